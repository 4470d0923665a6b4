"""The Radar queue never blocks a request: a locked (slow/failing) store only costs dropped records."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.system.radar.models import RadarRequest
from app.system.radar.writer import BATCH_SIZE, RadarRecord, RadarWriter, prune
from tests import services
from tests.system.radar.conftest import flush, raw_request, start


@pytest.fixture
async def small_queue_app(app_factory: Callable[..., FastAPI], backend: services.Backend, tmp_path: Path) -> AsyncIterator[FastAPI]:
    if backend.name != "sqlite":
        pytest.skip("locks the default SQLite Radar store; the main DB is not involved")
    from tests.system.radar.conftest import radar_db_url

    async for app in start(app_factory(RADAR_ENABLED=True, RADAR_DB_URL=radar_db_url(backend), RADAR_QUEUE_SIZE=5), backend):
        yield app


async def test_locked_store_never_slows_requests(small_queue_app: FastAPI) -> None:
    db_path = small_queue_app.state.tortoise_config["connections"]["conn_radar"].split("://", 1)[1].split("?")[0]
    writer = small_queue_app.state.radar_writer
    blocker = sqlite3.connect(db_path, isolation_level=None, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    transport = httpx.ASGITransport(app=small_queue_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            slowest = 0.0
            for i in range(60):
                began = time.perf_counter()
                resp = await http.post("/api/v1/radar-probe/echo", json={"i": i})
                slowest = max(slowest, time.perf_counter() - began)
                assert resp.json()["code"] == "0000"
        assert slowest < 0.5, f"a request waited {slowest:.2f}s on the Radar store"
        assert writer.dropped > 0, "a full queue must drop (and count) instead of waiting"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # Once the store is back, capture resumes.
    await asyncio.wait_for(flush(small_queue_app), 30)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        await http.post("/api/v1/radar-probe/echo", json={}, headers={"X-Request-ID": "after-unlock-1"})
    await asyncio.wait_for(flush(small_queue_app), 30)
    assert await RadarRequest.filter(x_request_id="after-unlock-1").exists()


async def test_prune_applies_age_and_row_cap(radar_app: FastAPI, radar_client: httpx.AsyncClient) -> None:
    for i in range(6):
        await radar_client.post("/api/v1/radar-probe/echo", json={}, headers={"X-Request-ID": f"prune-{i:04d}"})
    await flush(radar_app)
    assert await RadarRequest.all().count() == 6
    await prune(retention_hours=24, max_rows=4)
    assert 0 < await RadarRequest.all().count() <= 4
    await RadarRequest.all().update(created_at=RadarRequest._meta.fields_map["created_at"].to_python_value("2000-01-01T00:00:00+00:00"))
    await prune(retention_hours=24, max_rows=100)
    assert await RadarRequest.all().count() == 0


async def test_a_reused_request_id_loses_no_other_record(radar_app: FastAPI, radar_client: httpx.AsyncClient) -> None:
    """Clients may send their own X-Request-ID: a repeat keeps the first row and the batch's others survive."""
    for request_id in ("dup-0001", "dup-0001", "solo-0001", "solo-0002"):
        await radar_client.post("/api/v1/radar-probe/echo", json={"id": request_id}, headers={"X-Request-ID": request_id})
    await asyncio.wait_for(flush(radar_app), 30)
    assert await RadarRequest.filter(x_request_id="dup-0001").count() == 1
    assert await RadarRequest.filter(x_request_id__in=["solo-0001", "solo-0002"]).count() == 2
    assert radar_app.state.radar_writer.failed == 0


class _Handover:
    """A forward that takes every batch (as the store process would) and keeps what it got."""

    def __init__(self) -> None:
        self.batches: list[list[RadarRecord]] = []

    async def __call__(self, batch: list[RadarRecord]) -> bool:
        self.batches.append(batch)
        return True


def _records(count: int, prefix: str = "w") -> list[RadarRecord]:
    return [RadarRecord(raw_request(x_request_id=f"{prefix}-{i:05d}")) for i in range(count)]


def _ids(batches: list[list[RadarRecord]]) -> list[str]:
    return [record.request.x_request_id for batch in batches for record in batch]


async def test_submit_beyond_the_queue_size_drops_and_counts_without_waiting() -> None:
    writer = RadarWriter(3, 24, 1000, forward=_Handover())
    kept = [writer.submit(record) for record in _records(5)]
    assert kept == [True, True, True, False, False]
    assert writer.stats() == {"queued": 3, "written": 0, "dropped": 2, "failed": 0}
    assert writer.submit_many(_records(2, "more")) == 0 and writer.dropped == 4


async def test_submit_many_keeps_what_fits_in_order() -> None:
    handover = _Handover()
    writer = RadarWriter(4, 24, 1000, forward=handover)
    writer.submit(_records(1, "first")[0])
    assert writer.submit_many(_records(5)) == 3 and writer.dropped == 2
    writer.start()
    try:
        await asyncio.wait_for(writer.settled(), 10)
    finally:
        await writer.stop()
    assert _ids(handover.batches) == ["first-00000", "w-00000", "w-00001", "w-00002"]


async def test_settled_waits_for_every_record_and_batches_stay_bounded() -> None:
    handover = _Handover()
    writer = RadarWriter(10_000, 24, 1000, forward=handover)
    writer.start()
    try:
        for record in _records(BATCH_SIZE * 2 + 17):
            writer.submit(record)
        await asyncio.wait_for(writer.settled(), 10)
        assert writer.written == BATCH_SIZE * 2 + 17 and writer.stats()["queued"] == 0
        assert max(len(batch) for batch in handover.batches) <= BATCH_SIZE
        assert _ids(handover.batches) == [r.request.x_request_id for r in _records(BATCH_SIZE * 2 + 17)]
        await asyncio.wait_for(writer.settled(), 1)  # nothing pending: returns at once
    finally:
        await writer.stop()


async def test_stop_writes_what_is_still_waiting() -> None:
    handover = _Handover()
    writer = RadarWriter(100, 24, 1000, forward=handover)
    writer.start()
    writer.submit_many(_records(7))
    await writer.stop(drain_timeout=10)  # well before the flush interval ends
    assert len(_ids(handover.batches)) == 7 and writer.written == 7


async def test_a_writer_stopped_mid_write_releases_whoever_waits_for_it() -> None:
    began = asyncio.Event()

    async def stuck(batch: list[RadarRecord]) -> bool:
        began.set()
        await asyncio.sleep(3600)
        return True

    writer = RadarWriter(100, 24, 1000, forward=stuck)
    writer.start()
    writer.submit_many(_records(BATCH_SIZE))
    waiting = asyncio.create_task(writer.settled())
    await asyncio.wait_for(began.wait(), 10)
    await writer.stop(drain_timeout=0.1)
    await asyncio.wait_for(waiting, 5)
    assert writer.written == 0
