"""Search filters and the ordering whitelist for list queries.

Nothing a client sends reaches SQL as an identifier: filters are built from a
fixed per-resource field list, and ``orderBy`` items must name a sortable
column of the model (never a secret one) or the request fails with 1200.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel as PydanticModel
from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from app.core.code import Code
from app.core.exceptions import BizError
from app.core.schema import to_snake

#: Column names containing any of these are never sortable (nor filterable by order probing).
SECRET_MARKERS = ("password", "secret", "token_hash")
_ORDER_ITEM = re.compile(r"^-?[a-z][a-z0-9_]{0,63}$")
_UNSORTABLE_FIELD_TYPES: tuple[type[fields.Field[Any]], ...] = (fields.JSONField, fields.BinaryField)


def is_secret_column(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def default_sortable_fields(model: type[Model]) -> frozenset[str]:
    """The model's DB columns minus secret, JSON and binary ones."""
    out: set[str] = set()
    for name in model._meta.fields_db_projection:
        if is_secret_column(name):
            continue
        if isinstance(model._meta.fields_map.get(name), _UNSORTABLE_FIELD_TYPES):
            continue
        out.add(name)
    return frozenset(out)


def _not_sortable(message: str) -> BizError:
    return BizError(Code.REQUEST_VALIDATION, message, {"errors": [{"field": "orderBy", "message": message, "type": "not_sortable"}]})


def resolve_order(order: Sequence[str] | None, sortable: frozenset[str], default: Sequence[str] = ("id",)) -> list[str]:
    """Validate ``order`` against ``sortable`` and append ``id`` as a stable tiebreaker.

    Raises ``BizError(1200)`` for anything that is not a whitelisted plain
    column name (optionally ``-``-prefixed); the offending name is echoed only
    when it has the shape of a field name.
    """
    items = list(order) if order else list(default)
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not _ORDER_ITEM.match(item):
            raise _not_sortable("orderBy: invalid field name")
        name = item.removeprefix("-")
        if name not in sortable or is_secret_column(name):
            raise _not_sortable(f"orderBy: {name} is not sortable")
        if name in seen:
            continue
        seen.add(name)
        out.append(item)
    if "id" not in seen:
        out.append("id")
    return out


def _search_data(obj: PydanticModel | Mapping[str, Any] | None) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, PydanticModel):
        return obj.model_dump(exclude_unset=True, exclude_none=True, by_alias=False)
    return {to_snake(key): value for key, value in obj.items() if value is not None}


def _present(value: Any) -> bool:
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) > 0
    return value is not None


def build_search(
    obj: PydanticModel | Mapping[str, Any] | None,
    *,
    contains: Iterable[str] = (),
    icontains: Iterable[str] = (),
    exact: Iterable[str] = (),
    iexact: Iterable[str] = (),
    in_: Iterable[str] = (),
    range_: Iterable[str] = (),
    initial: Q | None = None,
    extra: Q | None = None,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> Q:
    """AND of the filters the search body asks for (unset, None and "" skipped).

    ``range_`` field ``f`` reads ``f_start`` (>=) and ``f_end`` (<=).
    ``include``/``exclude`` restrict which of the listed fields may be used.
    """
    data = _search_data(obj)
    allowed = set(include) if include is not None else None
    denied = set(exclude or ())

    def usable(name: str) -> bool:
        return name not in denied and (allowed is None or name in allowed)

    filters: dict[str, Any] = {}
    for lookup, names in (("contains", contains), ("icontains", icontains), ("", exact), ("iexact", iexact), ("in", in_)):
        for name in names:
            value = data.get(name)
            if usable(name) and _present(value):
                filters[f"{name}__{lookup}" if lookup else name] = list(value or ()) if lookup == "in" else value
    for name in range_:
        if not usable(name):
            continue
        for suffix, lookup in (("_start", "gte"), ("_end", "lte")):
            value = data.get(name + suffix)
            if _present(value):
                filters[f"{name}__{lookup}"] = value
    query = initial if initial is not None else Q()
    if filters:
        query &= Q(**filters)
    if extra is not None:
        query &= extra
    return query


def needs_distinct(model: type[Model], query: Q | None) -> bool:
    """True when ``query`` filters across a to-many relation (joins can repeat rows)."""
    if query is None:
        return False
    for key in query.filters:
        if _crosses_to_many(model, key.split("__")):
            return True
    return any(needs_distinct(model, child) for child in query.children)


def _crosses_to_many(model: type[Model], parts: list[str]) -> bool:
    current = model
    for part in parts[:-1] if len(parts) > 1 else parts:
        meta = current._meta
        if part in meta.m2m_fields or part in meta.backward_fk_fields:
            return True
        if part in meta.fk_fields or part in meta.o2o_fields or part in meta.backward_o2o_fields:
            related = getattr(meta.fields_map[part], "related_model", None)
            if related is None:
                return False
            current = related
            continue
        return False
    return False
