"""Radar's store writer: a bounded list of records drained by one batch-writing task per worker.

Requests only ever call ``submit`` (a list append): when ``queue_size``
records are already waiting the record is dropped and counted, so a slow or
dead Radar store never blocks or fails a request. The task writes up to
``BATCH_SIZE`` records per round; a failing write is logged (rate-limited)
and the batch dropped. Every ``PRUNE_INTERVAL`` seconds it deletes rows older
than ``RADAR_RETENTION_HOURS`` and trims requests beyond ``RADAR_MAX_ROWS``.

With ``forward`` (a worker under the supervisor's store process, see
``app.system.radar.sink``) each batch is handed over instead, written here
only when the hand-over fails, and the store process prunes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, cast

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.fields import Field, JSONField
from tortoise.models import Model
from tortoise.validators import MaxLengthValidator

from app.system.radar.bodies import prune_bodies, share_bodies, store_bodies
from app.system.radar.models import RadarQuery, RadarRequest, RadarUserLog
from app.system.radar.rows import RawRequest, request_row

BATCH_SIZE = 200
#: How long the writer gathers records before a write: fewer, larger batches
#: (one commit each) cost far less per request than one small write per request.
FLUSH_INTERVAL = 0.25
PRUNE_INTERVAL = 300.0
WRITE_TIMEOUT = 10.0


class RadarRecord(NamedTuple):
    """One captured request (raw, unredacted) and its children (already redacted).

    A tuple, so a batch goes to MessagePack as it is; the children are only read once captured.
    """

    request: RawRequest
    queries: Sequence[dict[str, Any]] = ()
    logs: Sequence[dict[str, Any]] = ()


#: Hands a batch to the store process; False when it cannot (the writer then writes it itself).
Forward = Callable[[list[RadarRecord]], Awaitable[bool]]


class RadarWriter:
    """Records wait in a plain list, taken whole by one writing task.

    A request's whole share of the writer is ``submit``: a length check and a
    list append (an ``asyncio.Queue`` cost it a few times more per record, on
    the event loop every request shares); the task is woken only when the
    list goes from empty to not empty.
    """

    def __init__(
        self, queue_size: int, retention_hours: int, max_rows: int, forward: Forward | None = None, body_limit: int = 65536
    ) -> None:
        self.queue_size = queue_size
        self.forward = forward
        self.body_limit = body_limit
        self.retention_hours = retention_hours
        self.max_rows = max_rows
        self.dropped = 0
        self.written = 0
        self.failed = 0
        self._pending: list[RadarRecord] = []
        self._writing = False
        self._wakeup: asyncio.Future[None] | None = None
        self._settled: list[asyncio.Future[None]] = []
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_prune = time.monotonic()
        self._warned_at = 0.0

    def submit(self, record: RadarRecord) -> bool:
        """Keep ``record`` for the next write without waiting; False (and counted) when ``queue_size`` are waiting."""
        pending = self._pending
        if len(pending) >= self.queue_size:
            self.dropped += 1
            return False
        pending.append(record)
        self._wake()
        return True

    def submit_many(self, records: list[RadarRecord]) -> int:
        """``submit`` each of ``records`` (the store process receives them a batch at a time); return how many were kept."""
        room = max(self.queue_size - len(self._pending), 0)
        kept = records if len(records) <= room else records[:room]
        self.dropped += len(records) - len(kept)
        if kept:
            self._pending.extend(kept)
            self._wake()
        return len(kept)

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="radar-writer")

    async def settled(self) -> None:
        """Return once everything submitted so far is written (or dropped as failed)."""
        if not self._pending and not self._writing:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settled.append(waiter)
        await waiter

    async def stop(self, drain_timeout: float = 3.0) -> None:
        """Write what is waiting (bounded by ``drain_timeout``), then stop the task."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake()
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, drain_timeout)

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def _run(self) -> None:
        try:
            await self._drain_forever()
        finally:  # stopped or cancelled: nobody waits on a writer that no longer writes
            self._release_settled()

    async def _drain_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                self._release_settled()
                if self._stopping:
                    return
                self._wakeup = loop.create_future()
                await self._wakeup
            if len(self._pending) < BATCH_SIZE and not self._stopping:
                await asyncio.sleep(FLUSH_INTERVAL)
            taken, self._pending = self._pending, []
            self._writing = True
            try:
                for start in range(0, len(taken), BATCH_SIZE):
                    await self._write(taken[start : start + BATCH_SIZE])
            finally:
                self._writing = False
            if self.forward is None and time.monotonic() - self._last_prune >= PRUNE_INTERVAL:  # else the store process prunes
                self._last_prune = time.monotonic()
                await self.prune_quietly()

    async def _write(self, batch: list[RadarRecord]) -> None:
        try:
            if self.forward is None or not await self.forward(batch):
                await asyncio.wait_for(write_batch(batch, self.body_limit), WRITE_TIMEOUT)
            self.written += len(batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the store may be down; requests must not notice
            self.failed += len(batch)
            self._warn(f"write failed ({type(exc).__name__}); {len(batch)} records dropped")

    def _release_settled(self) -> None:
        waiters, self._settled = self._settled, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def prune_quietly(self) -> None:
        try:
            await asyncio.wait_for(prune(self.retention_hours, self.max_rows), WRITE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            self._warn(f"prune failed ({type(exc).__name__})")

    def _warn(self, text: str) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:
            self._warned_at = now
            logger.warning("radar: {}", text)

    def stats(self) -> dict[str, int]:
        return {"queued": len(self._pending), "written": self.written, "dropped": self.dropped, "failed": self.failed}


async def write_batch(batch: list[RadarRecord], body_limit: int) -> None:
    """Build each record's row (redaction happens here) and insert the batch with its children.

    Long response bodies go to ``radar_bodies`` first, once each (app.system.radar.bodies).
    """
    requests = [request_row(r.request, body_limit) for r in batch]
    await store_bodies(share_bodies(requests))
    try:
        await insert_rows(RadarRequest, requests)
    except IntegrityError:
        # A reused X-Request-ID (clients may send their own): keep the first, store the rest.
        await RadarRequest.bulk_create([RadarRequest(**row) for row in requests], ignore_conflicts=True)
    await _insert_children(RadarQuery, [(row, r.queries) for row, r in zip(requests, batch, strict=True) if r.queries])
    await _insert_children(RadarUserLog, [(row, r.logs) for row, r in zip(requests, batch, strict=True) if r.logs])


async def insert_rows(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """INSERT plain dicts with the model's own SQL and column conversions, in one executemany.

    Radar writes a row per captured request; building a model instance for
    each (validation included) cost more than the insert itself. Missing
    fields take the field's default.
    """
    if not rows:
        return
    plan = _plan(model)
    await plan.db.execute_many(plan.insert_query, [plan.values(row) for row in rows])


async def _insert_children(model: type[Model], groups: list[tuple[dict[str, Any], Sequence[dict[str, Any]]]]) -> None:
    """INSERT query or log rows, each stamped with its request's ``created_at`` and ``x_request_id``."""
    if not groups:
        return
    plan = _plan(model)
    values = plan.values
    rows: list[list[Any]] = []
    for request, children in groups:
        parent = {"created_at": request["created_at"], "x_request_id": request["x_request_id"]}
        rows.extend(values(child, parent) for child in children)
    await plan.db.execute_many(plan.insert_query, rows)


_MISSING: Any = object()
_JSON_CONTAINERS = (dict, list)
#: A column of an insert plan: name, field, exact pass-through type (or None), length limit, nullable, JSON encoder (or None).
_Column = tuple[str, Field[Any], type | None, int, bool, Callable[[Any], str] | None]


class _InsertPlan:
    """One model's INSERT statement and, per column, the cheapest exact way to its DB value.

    ``Field.to_db_value`` converts a value that is not of the field's type,
    then runs the field's validators. A value that already has exactly the
    field's type, with at most a length limit it meets, comes out unchanged,
    so it is passed through; a ``None`` in a nullable field too. Anything else
    (other types, other validators, fields with their own conversion, a value
    over its limit) goes through ``to_db_value`` as before, errors included.
    """

    def __init__(self, model: type[Model]) -> None:
        db = model._meta.db
        executor = db.executor_class(model=model, db=db)
        self.db = db
        self.model = model
        self.insert_query: str = executor.insert_query
        fields_map = model._meta.fields_map
        self.columns = [self._column(name, fields_map[name]) for name in executor.regular_columns]

    @staticmethod
    def _column(name: str, column: Field[Any]) -> _Column:
        plain = type(column).to_db_value is Field.to_db_value and type(column).validate is Field.validate
        max_length = -1
        if plain and column.validators:
            only = column.validators[0]
            if len(column.validators) == 1 and type(only) is MaxLengthValidator:
                max_length = only.max_length
            else:
                plain = False
        field_type = column.field_type if plain and isinstance(column.field_type, type) else None
        # A JSON field without validators turns a dict or list into its encoder's text and nothing else.
        bare_json = type(column).to_db_value is JSONField.to_db_value and type(column).validate is Field.validate and not column.validators
        encoder = cast("JSONField[Any]", column).encoder if bare_json else None
        return name, column, field_type, max_length, bool(column.null), encoder

    def values(self, row: dict[str, Any], overrides: dict[str, Any] | None = None) -> list[Any]:
        """The row's DB values in column order; keys in ``overrides`` win over the row's."""
        model = self.model
        out: list[Any] = []
        value: Any
        for name, column, field_type, max_length, null, encoder in self.columns:
            if overrides is not None and name in overrides:
                value = overrides[name]
            else:
                value = row.get(name, _MISSING)
                if value is _MISSING:
                    value = _default(column)
            if value is None:
                if null and (field_type is not None or encoder is not None):
                    out.append(None)
                    continue
            elif type(value) is field_type and (max_length < 0 or len(cast("str", value)) <= max_length):
                out.append(value)
                continue
            elif encoder is not None and type(value) in _JSON_CONTAINERS:
                out.append(encoder(value))
                continue
            out.append(column.to_db_value(value, model))
        return out


_PLANS: dict[type[Model], _InsertPlan] = {}


def _plan(model: type[Model]) -> _InsertPlan:
    plan = _PLANS.get(model)
    if plan is None or plan.db is not model._meta.db:  # a restarted app binds a new connection
        plan = _PLANS[model] = _InsertPlan(model)
    return plan


def _default(column: Field[Any]) -> Any:
    default = column.default
    return default() if callable(default) else default


async def prune(retention_hours: int, max_rows: int) -> int:
    """Delete rows older than the retention, then requests beyond ``max_rows``; return rows deleted."""
    cutoff = datetime.now(UTC) - timedelta(hours=retention_hours)
    deleted = await delete_before(cutoff)
    total = await RadarRequest.all().count()
    if total > max_rows:
        boundary = await RadarRequest.all().order_by("-id").offset(max_rows).limit(1).values_list("created_at", flat=True)
        if boundary:
            deleted += await delete_before(boundary[0], inclusive=True)  # type: ignore[arg-type]
    return deleted


async def delete_before(cutoff: datetime, *, inclusive: bool = False) -> int:
    """Delete every Radar row created before ``cutoff`` and the bodies only they used; return the request rows deleted."""
    op = "created_at__lte" if inclusive else "created_at__lt"
    await RadarQuery.filter(**{op: cutoff}).delete()
    await RadarUserLog.filter(**{op: cutoff}).delete()
    deleted = int(await RadarRequest.filter(**{op: cutoff}).delete())
    await prune_bodies(cutoff)
    return deleted


__all__ = ["RadarRecord", "RadarWriter", "delete_before", "insert_rows", "prune", "write_batch"]
