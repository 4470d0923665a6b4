"""Small helpers shared by the controllers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.models import Model


def ints(rows: Iterable[Any]) -> list[int]:
    """``values_list(..., flat=True)`` rows as ints."""
    return [int(value) for value in rows]


async def unlink(obj: Model, *relations: str) -> None:
    """Clear many-to-many relations (forward or reverse) of ``obj`` by name."""
    for relation in relations:
        await getattr(obj, relation).clear()


async def exists_other(model: type[Model], exclude_id: int | None = None, **filters: Any) -> bool:
    """True when a row other than ``exclude_id`` matches ``filters`` (the uniqueness pre-check)."""
    query = model.filter(**filters)
    if exclude_id is not None:
        query = query.exclude(id=exclude_id)
    return await query.exists()
