"""Race-safe upsert by a natural key, shared by every ``ensure_*`` helper."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.models import Model

from app.core.exceptions import is_transient_conflict

M = TypeVar("M", bound=Model)


async def upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any], *, overwrite: bool = True) -> tuple[M, bool]:
    """Get the row matching ``lookup`` or create it; ``(row, created)``.

    An existing row gets ``values`` written only when ``overwrite`` is true.
    When another process inserts the same key between our read and our insert
    (a unique-constraint race), the insert's ``IntegrityError`` is turned into
    a re-read followed by the update. A conflict on some *other* unique column
    is re-raised: that is a real clash, not a race.
    """
    row = await model.get_or_none(**lookup)
    if row is None:
        try:
            return await model.create(**lookup, **values), True
        except IntegrityError:
            row = await model.get_or_none(**lookup)
            if row is None:
                raise
    if overwrite:
        await update_changed(row, values)
    return row, False


async def update_changed(row: Model, values: dict[str, Any]) -> list[str]:
    """Write only the fields whose value differs; return their names."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        await row.save(update_fields=changed)
    return changed


async def delete_links(model: type[Model], ids: list[int]) -> None:
    """Remove every many-to-many link row of ``model`` rows ``ids``.

    The schema cascades these too; doing it explicitly keeps deletes correct
    on databases created without the cascade (hand-made or migrated schemas).
    """
    if not ids:
        return
    from pypika_tortoise.queries import Table

    from app.core.database import get_db_conn

    conn = get_db_conn(model)
    for name in model._meta.m2m_fields:
        field = model._meta.fields_map[name]
        through = Table(field.through)  # type: ignore[attr-defined]  # m2m field instance
        query = conn.query_class.from_(through).where(through[field.backward_key].isin(ids)).delete()  # type: ignore[attr-defined]
        await conn.execute_query(query.get_sql())


async def replace_links(relation: Any, rows: list[Any]) -> None:
    """Make a many-to-many ``relation`` hold exactly ``rows`` (clear, then add).

    ``add`` skips links that exist, so when a concurrent writer inserts the
    same link between its check and its insert, retrying the add settles it.
    """
    for attempt in range(_ATTEMPTS):
        try:
            await relation.clear()
            await add_links(relation, rows)
            return
        except OperationalError as exc:  # MariaDB/PostgreSQL deadlock between concurrent writers
            if attempt == _ATTEMPTS - 1 or not is_transient_conflict(exc):
                raise


_ATTEMPTS = 5


async def add_links(relation: Any, rows: list[Any], attempts: int = _ATTEMPTS) -> None:
    """``relation.add(*rows)``, retried on a unique-constraint race or a deadlock."""
    if not rows:
        return
    for attempt in range(attempts):
        try:
            await relation.add(*rows)
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise
        except OperationalError as exc:
            if attempt == attempts - 1 or not is_transient_conflict(exc):
                raise
