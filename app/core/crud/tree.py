"""Nested records from adjacency-list rows (``TreeMixin``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tortoise.models import Model

from app.core.model import BaseModel

ModelT = TypeVar("ModelT", bound=Model)
#: Guard against corrupt data (a cycle) when walking descendants level by level.
MAX_TREE_DEPTH = 64


def _record(obj: Any, exclude_fields: Sequence[str] | None, transform: Callable[[Any], dict[str, Any]] | None) -> dict[str, Any]:
    if transform is not None:
        return transform(obj)
    if isinstance(obj, BaseModel):
        return obj.to_dict(exclude_fields=list(exclude_fields) if exclude_fields else None)
    raise TypeError(f"{type(obj).__name__} has no to_dict; pass a transform")


def build_tree(
    rows: Sequence[Any],
    *,
    exclude_fields: Sequence[str] | None = None,
    transform: Callable[[Any], dict[str, Any]] | None = None,
    children_key: str = "children",
) -> list[dict[str, Any]]:
    """Nest ``rows`` (already in sibling order) under their parents.

    Roots are rows with ``parent_id`` 0 or whose parent is not among ``rows``
    (e.g. filtered out). Rows caught in a parent cycle have no root and are
    left out, so the result is always a finite tree.
    """
    nodes: dict[int, dict[str, Any]] = {}
    for obj in rows:
        nodes[obj.id] = _record(obj, exclude_fields, transform)
    roots: list[dict[str, Any]] = []
    for obj in rows:
        if obj.parent_id == obj.id:
            continue
        parent = nodes.get(obj.parent_id) if obj.parent_id else None
        if parent is None:
            roots.append(nodes[obj.id])
        else:
            parent.setdefault(children_key, []).append(nodes[obj.id])
    return roots


async def transform_records(objs: Sequence[Any], transform: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """``transform`` applied to every object; an async transform is awaited (record_transform may be either)."""
    out = [transform(obj) for obj in objs]
    return [await item if inspect.isawaitable(item) else item for item in out]


async def descendants(model: type[ModelT], parent_id: int) -> list[ModelT]:
    """Every descendant of ``parent_id``, breadth first, one query per level."""
    found: list[ModelT] = []
    seen: set[int] = {parent_id}
    frontier = [parent_id]
    for _ in range(MAX_TREE_DEPTH):
        level = await model.filter(parent_id__in=frontier).order_by("order", "id")
        level = [obj for obj in level if obj.pk not in seen]
        if not level:
            break
        seen.update(obj.pk for obj in level)
        found.extend(level)
        frontier = [obj.pk for obj in level]
    return found
