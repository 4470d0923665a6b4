"""``CRUDBase``: the generic data access every controller builds on.

Writes run in a transaction on the model's own connection (``get_db_conn``),
audit columns are filled from the request context, and list queries cost at
most two statements (page + count) whatever the page size.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel as PydanticModel
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.core.crud.search import default_sortable_fields, is_secret_column, needs_distinct, resolve_order
from app.core.crud.tree import build_tree, descendants, transform_records
from app.core.ctx import CTX_USER_NAME
from app.core.database import get_db_conn
from app.core.exceptions import NotFoundError
from app.core.model import SoftDeleteMixin

ModelT = TypeVar("ModelT", bound=Model)
Payload = PydanticModel | Mapping[str, Any]


def dump_payload(obj: Payload, *, exclude_unset: bool = True) -> dict[str, Any]:
    """Schema → snake_case dict without unset/None fields; a dict passes through as is."""
    if isinstance(obj, PydanticModel):
        return obj.model_dump(exclude_unset=exclude_unset, exclude_none=True, by_alias=False)
    return dict(obj)


class CRUDBase(Generic[ModelT]):
    """Generic reads and writes for ``model``.

    ``sortable_fields`` overrides the ``orderBy`` whitelist (default: every DB
    column except secret, JSON and binary ones; secret columns are refused
    even when listed).
    """

    def __init__(self, model: type[ModelT], *, sortable_fields: Iterable[str] | None = None) -> None:
        self.model = model
        self._sortable_override = frozenset(sortable_fields) if sortable_fields is not None else None
        self._sortable: frozenset[str] | None = None
        self._columns: frozenset[str] | None = None

    # -- metadata (computed lazily: models are bound only after Tortoise.init) --
    @property
    def sortable_fields(self) -> frozenset[str]:
        if self._sortable is None:
            base = self._sortable_override if self._sortable_override is not None else default_sortable_fields(self.model)
            self._sortable = frozenset(name for name in base if not is_secret_column(name))
        return self._sortable

    def _has_column(self, name: str) -> bool:
        if self._columns is None:
            self._columns = frozenset(self.model._meta.fields_db_projection)
        return name in self._columns

    def _audit(self, data: dict[str, Any], column: str) -> dict[str, Any]:
        user = CTX_USER_NAME.get()
        if user and self._has_column(column) and column not in data:
            data[column] = user
        return data

    def _touch(self, data: dict[str, Any]) -> dict[str, Any]:
        """Bulk ``UPDATE`` skips ``auto_now``: set ``updated_at`` and ``updated_by`` here."""
        self._audit(data, "updated_by")
        if self._has_column("updated_at") and "updated_at" not in data:
            data["updated_at"] = datetime.now(UTC)
        return data

    # -- reads --
    async def get(self, id: int | None = None, **filters: Any) -> ModelT:
        """The matching row, or ``NotFoundError`` (1101)."""
        if id is not None:
            filters["id"] = id
        obj = await self.model.get_or_none(**filters)
        if obj is None:
            raise NotFoundError
        return obj

    async def get_or_none(self, id: int | None = None, **filters: Any) -> ModelT | None:
        if id is not None:
            filters["id"] = id
        return await self.model.get_or_none(**filters)

    async def exists(self, *queries: Q, **filters: Any) -> bool:
        return await self.model.filter(*queries, **filters).exists()

    def _filtered(self, search: Q | None, distinct: bool | None) -> QuerySet[ModelT]:
        """``search`` applied; DISTINCT as asked, by default only when it crosses a to-many relation."""
        query = self.model.filter(search) if search is not None else self.model.all()
        if distinct if distinct is not None else needs_distinct(self.model, search):
            query = query.distinct()
        return query

    async def count(self, search: Q | None = None, *, distinct: bool | None = None) -> int:
        return await self._filtered(search, distinct).count()

    def order_for(self, order: Sequence[str] | None, default: Sequence[str] = ("id",)) -> builtins.list[str]:
        """Validated ordering (raises 1200 for anything not whitelisted)."""
        return resolve_order(order, self.sortable_fields, default)

    async def list(
        self,
        page: int = 1,
        page_size: int = 10,
        search: Q | None = None,
        order: Sequence[str] | None = None,
        *,
        fields: Sequence[str] | None = None,
        last_id: int | None = None,
        select_related: Sequence[str] = (),
        prefetch_related: Sequence[str] = (),
        distinct: bool | None = None,
        counter: Callable[[], Awaitable[int]] | None = None,
    ) -> tuple[int, builtins.list[ModelT]]:
        """``(total, rows)`` of one page: one SELECT, plus one COUNT only when needed (plus one per prefetch).

        The page is read first, one row longer than asked: when it comes back
        short (the last page, or the only one — most filtered admin lists),
        the total follows from the offset and no COUNT runs. ``distinct``
        defaults to "only when ``search`` crosses a to-many relation". With
        ``last_id`` the page is the keyset after that id in the direction of
        ``order`` (``-id`` first → descending), without OFFSET; keyset pages
        always count. ``counter`` replaces the COUNT with a cheaper query that
        counts the same rows (e.g. on a link table's index).
        """
        ordering = self.order_for(order)
        base = self._filtered(search, distinct)
        query = base
        offset = (page - 1) * page_size
        if last_id is not None:
            descending = ordering[0] == "-id"
            query = query.filter(id__lt=last_id) if descending else query.filter(id__gt=last_id)
            ordering = ["-id" if descending else "id"]
        elif offset:
            query = query.offset(offset)
        query = query.order_by(*ordering).limit(page_size + 1)
        rows = list(await self._shape(query, fields, ordering, select_related, prefetch_related))
        if last_id is None and len(rows) <= page_size and (rows or offset == 0):
            return offset + len(rows), rows
        total = await counter() if counter is not None else await base.count()
        return total, rows[:page_size]

    def _shape(
        self,
        query: QuerySet[ModelT],
        fields: Sequence[str] | None,
        ordering: Sequence[str],
        select_related: Sequence[str],
        prefetch_related: Sequence[str],
    ) -> QuerySet[ModelT]:
        if fields:
            unknown = [name for name in fields if not self._has_column(name)]
            if unknown:
                raise ValueError(f"unknown fields for {self.model.__name__}: {unknown}")
            wanted = dict.fromkeys(["id", *fields, *(item.removeprefix("-") for item in ordering)])
            query = query.only(*wanted)
        if select_related:
            query = query.select_related(*select_related)
        if prefetch_related:
            query = query.prefetch_related(*prefetch_related)
        return query

    # -- writes --
    async def create(self, obj_in: Payload, **extra: Any) -> ModelT:
        """Insert from a schema (unset/None dropped) or dict; ``created_by`` from the context."""
        data = self._audit({**dump_payload(obj_in), **extra}, "created_by")
        return await self.model.create(**data)

    async def batch_create(self, objs_in: Sequence[Payload], batch_size: int | None = None) -> builtins.list[ModelT]:
        """Insert many rows in one transaction; returns them with their ids."""
        async with get_db_conn(self.model)._in_transaction():
            return [await self.model.create(**self._audit(dump_payload(obj), "created_by")) for obj in objs_in]

    async def update(self, id: int, obj_in: Payload, **extra: Any) -> ModelT:
        """Get-or-404 and save the given fields, in a transaction; ``updated_by`` from the context."""
        data = self._audit({**dump_payload(obj_in), **extra}, "updated_by")
        async with get_db_conn(self.model)._in_transaction():
            obj = await self.get(id)
            if not data:
                return obj
            obj.update_from_dict(data)
            fields = [name for name in data if name in self.model._meta.fields_map]
            if self._has_column("updated_at"):
                fields.append("updated_at")
            await obj.save(update_fields=fields or None)
        return obj

    async def batch_update(self, ids: Sequence[int], obj_in: Payload) -> int:
        """Same change to every id (missing ids ignored); returns the number updated."""
        return await self.update_by_filter(Q(id__in=list(ids)), obj_in)

    async def update_by_filter(self, search: Q, obj_in: Payload) -> int:
        data = self._touch(dump_payload(obj_in))
        return await self.model.filter(search).update(**data)

    async def remove(self, id: int) -> int:
        """Delete one row (get-or-404); returns its id."""
        async with get_db_conn(self.model)._in_transaction():
            obj = await self.get(id)
            await obj.delete()
        return id

    async def existing_ids(self, ids: Sequence[int]) -> builtins.list[int]:
        """Which of ``ids`` exist (visible to the default manager), in ascending order."""
        rows = await self.model.filter(id__in=list(ids)).order_by("id").values_list("id", flat=True)
        return [int(pk) for pk in rows]  # type: ignore[call-overload]

    async def batch_remove(self, ids: Sequence[int]) -> builtins.list[int]:
        """Delete the ids that exist (missing ones ignored); returns the deleted ids."""
        async with get_db_conn(self.model)._in_transaction():
            found = await self.existing_ids(ids)
            if found:
                await self.model.filter(id__in=found).delete()
        return found

    async def remove_by_filter(self, search: Q) -> int:
        return await self.model.filter(search).delete()

    # -- soft delete --
    def _require_soft(self) -> None:
        if not issubclass(self.model, SoftDeleteMixin):
            raise TypeError(f"{self.model.__name__} does not mix in SoftDeleteMixin")

    async def soft_remove(self, id: int) -> int:
        """Mark one visible row deleted (already deleted or missing → 1101); returns its id."""
        self._require_soft()
        async with get_db_conn(self.model)._in_transaction():
            await self.get(id)
            await self.model.filter(id=id).update(**self._touch({"deleted_at": datetime.now(UTC)}))
        return id

    async def soft_batch_remove(self, ids: Sequence[int]) -> int:
        """Mark the visible ones of ``ids`` deleted; returns how many were."""
        self._require_soft()
        return await self.model.filter(id__in=list(ids)).update(**self._touch({"deleted_at": datetime.now(UTC)}))

    # -- trees --
    async def get_tree(
        self,
        search: Q | None = None,
        order: Sequence[str] = ("order", "id"),
        *,
        exclude_fields: Sequence[str] | None = None,
        transform: Any = None,
    ) -> builtins.list[dict[str, Any]]:
        """Rows of a ``TreeMixin`` model as nested records (roots: ``parentId`` 0)."""
        rows = await self._filtered(search, distinct=False).order_by(*order)
        if transform is None:
            return build_tree(rows, exclude_fields=exclude_fields)
        by_id = dict(zip((row.pk for row in rows), await transform_records(rows, transform), strict=True))
        return build_tree(rows, transform=lambda obj: by_id[obj.pk])

    async def get_children(self, parent_id: int, *, recursive: bool = False) -> builtins.list[ModelT]:
        """Direct children of ``parent_id`` (or all descendants, one query per level)."""
        if not recursive:
            return await self.model.filter(parent_id=parent_id).order_by("order", "id")
        return await descendants(self.model, parent_id)
