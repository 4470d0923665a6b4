"""Transactional outbox: committed writes keep their events, rolled-back writes never emit."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel
from tortoise import timezone
from tortoise.transactions import in_transaction

from app.core.config import Settings
from app.core.database import get_db_conn
from app.core.events import EventBus, EventSpec
from app.core.outbox import MAX_ATTEMPTS, EventOutbox, backoff_seconds, dispatch_due
from tests import services
from tests.core.business_models import Document, started


class Published(BaseModel):
    document_id: int


PUBLISHED = EventSpec("document.published", payload=Published, delivery="outbox")


def recording_bus() -> tuple[EventBus, list[Any]]:
    bus, received = EventBus(), []
    bus.subscribe(PUBLISHED.name, received.append)
    return bus, received


async def publish(bus: EventBus, *, fail: bool) -> None:
    """Write a document and its event in one transaction, optionally failing afterwards."""
    async with in_transaction(get_db_conn(Document).connection_name):
        doc = await Document.create(title="t")
        await bus.emit(PUBLISHED, document_id=doc.id)
        if fail:
            raise RuntimeError("the write fails after the event was emitted")


async def test_a_committed_write_keeps_its_event_and_it_is_dispatched_once(settings: Settings, backend: services.Backend) -> None:
    bus, received = recording_bus()
    async with started(settings, backend.name):
        await publish(bus, fail=False)
        assert received == []  # not dispatched before the dispatcher runs
        row, doc = await EventOutbox.get(), await Document.get()
        assert (row.event_name, row.status, row.payload) == ("document.published", "pending", {"document_id": doc.id})
        assert await dispatch_due(bus) == {"sent": 1}
        assert await dispatch_due(bus) == {}
        assert received == [{"document_id": doc.id}]
        assert (await EventOutbox.get()).status == "sent"


async def test_a_rolled_back_write_never_emits(settings: Settings, backend: services.Backend) -> None:
    bus, received = recording_bus()
    async with started(settings, backend.name):
        with pytest.raises(RuntimeError):
            await publish(bus, fail=True)
        assert await Document.all().count() == 0
        assert await EventOutbox.all().count() == 0
        assert await dispatch_due(bus) == {}
        assert received == []


async def test_failures_back_off_then_go_dead(settings: Settings, backend: services.Backend) -> None:
    bus = EventBus()

    @bus.on(PUBLISHED)
    def always_fails(_: Any) -> None:
        raise RuntimeError("downstream down")

    async with started(settings, backend.name):
        await publish(bus, fail=False)
        assert await dispatch_due(bus) == {"failed": 1}
        row = await EventOutbox.get()
        assert (row.status, row.attempts) == ("failed", 1)
        assert row.next_retry_at is not None and row.next_retry_at > timezone.now()
        assert "downstream down" in (row.last_error or "")
        assert await dispatch_due(bus) == {}  # not due yet
        for attempt in range(2, MAX_ATTEMPTS + 1):
            await EventOutbox.filter(id=row.id).update(next_retry_at=timezone.now() - timedelta(seconds=1))
            outcome = await dispatch_due(bus)
            assert outcome == ({"dead": 1} if attempt == MAX_ATTEMPTS else {"failed": 1})
        dead = await EventOutbox.get()
        assert (dead.status, dead.attempts, dead.next_retry_at) == ("dead", MAX_ATTEMPTS, None)
        assert await dispatch_due(bus) == {}


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 8, 9, 20)] == [2, 4, 8, 256, 300, 300]


async def test_two_dispatchers_never_deliver_a_row_twice(settings: Settings, backend: services.Backend) -> None:
    bus, received = recording_bus()
    async with started(settings, backend.name):
        for _ in range(5):
            await publish(bus, fail=False)
        first, second = await asyncio.gather(dispatch_due(bus), dispatch_due(bus))
        assert first.get("sent", 0) + second.get("sent", 0) == 5
        ids = sorted(await Document.all().values_list("id", flat=True))
        assert sorted(p["document_id"] for p in received) == ids


async def test_a_row_stuck_in_processing_is_taken_again(settings: Settings, backend: services.Backend) -> None:
    bus, received = recording_bus()
    async with started(settings, backend.name):
        await publish(bus, fail=False)
        await EventOutbox.all().update(status="processing", locked_at=timezone.now())
        assert await dispatch_due(bus) == {}  # a live dispatcher may still be working on it
        await EventOutbox.all().update(locked_at=timezone.now() - timedelta(hours=1))
        assert await dispatch_due(bus) == {"sent": 1}
        assert received == [{"document_id": (await Document.get()).id}]
