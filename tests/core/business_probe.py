"""Where fixture business modules record that their init ran (tests read ``CALLS``)."""

from __future__ import annotations

CALLS: list[str] = []


def init_source(name: str, *, fail: bool = False) -> str:
    """Source of an ``init_data.py`` that records ``name`` (or fails)."""
    body = "raise RuntimeError('seed data is broken')" if fail else f"CALLS.append({name!r})"
    return f"from tests.core.business_probe import CALLS\n\nasync def init() -> None:\n    {body}\n"
