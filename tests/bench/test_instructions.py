"""bench.instructions reads callgrind's totals and turns two runs into a per-request cost."""

from __future__ import annotations

import pytest

from bench.instructions import collected, per_request

CALLGRIND_EXIT = """==10497== Events    : Ir
==10497== Collected : 12801823240
==10497==
==10497== I   refs:      12,801,823,240
"""


def test_the_total_is_callgrinds_collected_line() -> None:
    assert collected(CALLGRIND_EXIT) == 12_801_823_240


def test_output_without_a_total_is_an_error_that_shows_the_output() -> None:
    with pytest.raises(RuntimeError, match="Traceback"):
        collected("Traceback (most recent call last):\n  ...\nRuntimeError: boom\n")


def test_a_request_costs_the_difference_over_the_requests_served() -> None:
    # The run that served 3,200 searches against the one that served none after the same start-up.
    assert per_request(12_801_823_240, 9_771_967_107, 3200) == pytest.approx(946_830.0, abs=1)
    with pytest.raises(ValueError):
        per_request(1, 1, 0)
