"""Transactional outbox: events that must not be lost or invented.

``emit(EventSpec(..., delivery="outbox"), payload)`` inserts an
``event_outbox`` row through the outbox's connection; inside ``async with
in_transaction(get_db_conn(EventOutbox))`` that is the caller's transaction,
so the event commits or rolls back with the write that caused it.

The leader-only periodic task ``system.outbox.dispatch`` (built by
``make_outbox_dispatch_task``) takes due rows in id order, claims each with a
conditional UPDATE (so two dispatchers never deliver the same row at once),
dispatches it on the in-process bus in strict mode, and records the outcome:
``sent``; or ``failed`` with ``next_retry_at = now + min(300, 2**attempts)``;
or ``dead`` after ``max_attempts``. Rows left in ``processing`` by a crashed
dispatcher are taken again once ``locked_at`` is older than the stale limit.
Delivery is at-least-once: handlers of outbox events must be idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from loguru import logger
from tortoise import fields, timezone
from tortoise.expressions import Q
from tortoise.models import Model

from app.core.events import EventBus, EventSpec, bus
from app.core.tasks import PeriodicTask

OUTBOX_MODELS_MODULE = "app.core.outbox"
DISPATCH_TASK_NAME = "system.outbox.dispatch"
BATCH_SIZE = 50
MAX_ATTEMPTS = 5
MAX_BACKOFF_SECONDS = 300
STALE_PROCESSING_SECONDS = 300


class EventOutbox(Model):
    """One stored event (pending → processing → sent | failed | dead)."""

    id = fields.IntField(primary_key=True)
    event_name = fields.CharField(max_length=200, db_index=True)
    event_version = fields.IntField(default=1)
    payload: Any = fields.JSONField(null=True)
    status = fields.CharField(max_length=20, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    next_retry_at = fields.DatetimeField(null=True)
    locked_at = fields.DatetimeField(null=True)
    processed_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "event_outbox"


__models__ = [EventOutbox]


async def enqueue(event: EventSpec, payload: dict[str, Any] | None) -> EventOutbox:
    """Store ``event`` for later dispatch (joins the transaction open on the outbox's connection)."""
    return await EventOutbox.create(event_name=event.name, event_version=event.version, payload=payload)


def backoff_seconds(attempts: int) -> int:
    """Delay before retry number ``attempts`` (1-based): 2, 4, 8, … capped at 300 s."""
    return int(min(MAX_BACKOFF_SECONDS, 2**attempts))


async def _claim(row: EventOutbox) -> bool:
    now = timezone.now()
    changed = await EventOutbox.filter(id=row.id, status=row.status, attempts=row.attempts).update(status="processing", locked_at=now)
    return changed == 1


async def _deliver(row: EventOutbox, event_bus: EventBus, max_attempts: int) -> str:
    try:
        await event_bus.dispatch(row.event_name, row.payload, strict=True)
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried
        attempts = row.attempts + 1
        status = "dead" if attempts >= max_attempts else "failed"
        retry_at = None if status == "dead" else timezone.now() + timedelta(seconds=backoff_seconds(attempts))
        await EventOutbox.filter(id=row.id).update(
            status=status, attempts=attempts, next_retry_at=retry_at, locked_at=None, last_error=str(exc)[:1000]
        )
        if status == "dead":
            logger.error("outbox event {} #{} is dead after {} attempts", row.event_name, row.id, attempts)
        return status
    await EventOutbox.filter(id=row.id).update(status="sent", processed_at=timezone.now(), locked_at=None, last_error=None)
    return "sent"


async def dispatch_due(
    event_bus: EventBus | None = None, *, batch_size: int = BATCH_SIZE, max_attempts: int = MAX_ATTEMPTS
) -> dict[str, int]:
    """Dispatch up to ``batch_size`` due rows; counts per resulting status."""
    now = timezone.now()
    stale = now - timedelta(seconds=STALE_PROCESSING_SECONDS)
    due = Q(status="pending") | Q(status="failed", next_retry_at__lte=now) | Q(status="processing", locked_at__lte=stale)
    rows = await EventOutbox.filter(due).order_by("id").limit(batch_size)
    counts: dict[str, int] = {}
    for row in rows:
        if not await _claim(row):
            continue
        outcome = await _deliver(row, event_bus or bus, max_attempts)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def make_outbox_dispatch_task(event_bus: EventBus | None = None, interval_seconds: float = 10.0) -> PeriodicTask:
    """The leader-only periodic task that drains the outbox."""

    async def dispatch_outbox() -> None:
        counts = await dispatch_due(event_bus)
        if counts:
            logger.info("outbox dispatch: {}", counts)

    return PeriodicTask(DISPATCH_TASK_NAME, dispatch_outbox, interval_seconds, leader_only=True)
