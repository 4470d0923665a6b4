"""Processes Trellis starts itself (Radar's store) run on the loop granian gives the workers."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from app.core.event_loop import run


def test_run_uses_uvloop_where_it_is_installed() -> None:
    if importlib.util.find_spec("uvloop") is None:
        pytest.skip("uvloop is not installed on this platform")
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__.split(".")[0])

    run(main())
    assert seen == ["uvloop"]
