"""Radar's store process: what workers hand over lands whole; an unreachable store loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgpack
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.system.radar import sink as sink_module
from app.system.radar.models import RadarQuery, RadarRequest, RadarUserLog
from app.system.radar.sink import SINK_ENV, SinkClient, decode_batch, encode_batch
from app.system.radar.writer import RadarRecord, RadarWriter
from tests import services
from tests.system.radar.conftest import radar_db_url, raw_request

ROOT = Path(__file__).resolve().parents[3]


def record(x_request_id: str, *, with_children: bool = True) -> RadarRecord:
    request = raw_request(
        x_request_id=x_request_id,
        path_template="/api/v1/x",
        user_id=7,
        user_name="bøb",
        request_body='{"a":"ü"}'.encode(),
        response_body=b'{"code":"0000"}',
    )
    queries = [
        {"sql_text": "SELECT 1", "params": "[1]", "operation": "SELECT", "duration_ms": 0.2, "connection_name": "c", "start_offset_ms": 0.1}
    ]
    logs = [{"level": "INFO", "message": "hello", "data": None, "source": "m.f:1", "offset_ms": 0.3}]
    return RadarRecord(request, queries if with_children else [], logs if with_children else [])


def test_a_batch_survives_the_frame_unchanged() -> None:
    batch = [record("a"), record("b", with_children=False)]
    frame = encode_batch(batch)
    assert int.from_bytes(frame[:4], "big") == len(frame) - 4
    assert decode_batch(frame[4:]) == [as_decoded(record) for record in batch]


def as_decoded(record: RadarRecord) -> RadarRecord:
    """``record`` as the store process sees it: arrays (header pairs, children) decode as tuples."""
    raw = record.request
    return RadarRecord(
        raw._replace(request_headers=tuple(raw.request_headers), response_headers=tuple(raw.response_headers)),
        tuple(record.queries),
        tuple(record.logs),
    )


def test_a_server_s_own_header_container_crosses_as_pairs() -> None:
    class Headers:
        def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
            return iter([(b"host", b"t")])

    sent = RadarRecord(raw_request(request_headers=Headers()))
    (received,) = decode_batch(encode_batch([sent])[4:])
    assert received.request.request_headers == ((b"host", b"t"),)


@pytest.mark.parametrize(
    "payload",
    [
        b"\xc1",
        b"not msgpack at all",
        msgpack.packb([[1, 2]]),
        msgpack.packb([[[1], [], []]]),
        msgpack.packb({"a": 1}),
        msgpack.packb([1]) + b"x",
    ],
)
def test_a_frame_that_is_not_a_batch_is_refused_with_value_error(payload: bytes) -> None:
    with pytest.raises(ValueError, match="not a Radar batch"):
        decode_batch(payload)


@dataclass
class Store:
    path: str
    proc: subprocess.Popen[bytes]


@pytest.fixture
def store(settings: Settings, backend: services.Backend, app: FastAPI, tmp_path: Path) -> Iterator[Store]:
    """A running ``python -m app.system.radar.sink`` on this backend's Radar store."""
    path = os.path.join(tempfile.gettempdir(), f"trellis-test-{uuid.uuid4().hex[:10]}.sock")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DB_", "REDIS_", "RADAR_", "PYTEST"))}
    env.update(
        RADAR_DB_URL=radar_db_url(backend),
        DATA_DIR=str(tmp_path / "data"),
        LOG_TO_FILE="false",
        **{SINK_ENV: path},
    )
    if settings.SECRET_KEY:
        env["SECRET_KEY"] = settings.SECRET_KEY
    proc = subprocess.Popen([sys.executable, "-m", "app.system.radar.sink"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        assert proc.poll() is None, "the store process exited"
        assert time.monotonic() < deadline, "the store process did not listen within 30 s"
        time.sleep(0.05)
    yield Store(path, proc)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


async def test_records_handed_to_the_store_process_land_whole(store: Store) -> None:
    client = SinkClient(store.path)
    ids = [f"sink-{i}" for i in range(3)]
    assert await client.send([record(ids[0]), record(ids[1], with_children=False)])
    assert await client.send([record(ids[2])])
    await client.close()
    for _ in range(200):  # the store gathers for a quarter second, then writes requests, queries and logs in turn
        counts = [await model.filter(x_request_id__in=ids).count() for model in (RadarRequest, RadarQuery, RadarUserLog)]
        if counts == [3, 2, 2]:
            break
        await asyncio.sleep(0.05)
    stored = await RadarRequest.filter(x_request_id__in=ids).order_by("x_request_id")
    assert [row.x_request_id for row in stored] == ids
    assert stored[0].user_name == "bøb" and stored[0].request_headers == {"authorization": "[REDACTED]", "host": "t"}
    assert "a-real-token" not in repr([row.__dict__ for row in stored]), "the store process redacts before it writes"
    assert stored[0].request_body == '{"a":"ü"}' and stored[0].response_body == '{"code":"0000"}' and stored[0].business_code == "0000"
    assert stored[0].created_at.replace(tzinfo=UTC) == datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert sorted(q.x_request_id for q in await RadarQuery.filter(x_request_id__in=ids)) == ["sink-0", "sink-2"]
    assert sorted(lg.x_request_id for lg in await RadarUserLog.filter(x_request_id__in=ids)) == ["sink-0", "sink-2"]


async def test_sigterm_drains_what_was_handed_over_and_exits_cleanly(store: Store) -> None:
    client = SinkClient(store.path)
    ids = [f"drain-{i}" for i in range(50)]
    assert await client.send([record(x) for x in ids])
    await client.close()
    await asyncio.sleep(0.1)  # the frame is read before the signal arrives
    store.proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(store.proc.wait, 30) == 0
    assert not await asyncio.to_thread(os.path.exists, store.path), "the store removes its socket on the way out"
    assert await RadarRequest.filter(x_request_id__in=ids).count() == 50


async def test_an_unreachable_store_makes_the_worker_write_its_own_records(app: FastAPI) -> None:
    client = SinkClient(f"/tmp/trellis-missing-{uuid.uuid4().hex[:8]}.sock")
    writer = RadarWriter(100, 24, 1000, forward=client.send)
    writer.start()
    try:
        writer.submit(record("local-1"))
        await asyncio.wait_for(writer.settled(), 30)
    finally:
        await writer.stop()
    assert await RadarRequest.filter(x_request_id="local-1").exists()
    assert writer.written == 1 and client.sent == 0


async def test_after_its_start_grace_an_unreachable_store_is_retried_only_after_the_back_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink_module, "START_GRACE_SECONDS", 0.0)
    monkeypatch.setattr(sink_module, "RETRY_SECONDS", 60.0)
    path = os.path.join(tempfile.gettempdir(), f"trellis-late-{uuid.uuid4().hex[:8]}.sock")
    client = SinkClient(path)
    assert not await client.send([record("late-1")])
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read(1 << 16))
        writer.close()

    server = await asyncio.start_unix_server(handle, path)  # the store is back, but the worker is backing off
    try:
        assert not await client.send([record("late-2")])
        monkeypatch.setattr(client, "_retry_at", 0.0)  # the back-off is over
        assert await client.send([record("late-3")])
        await client.close()
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.01)
        assert [r.request.x_request_id for r in decode_batch(received[0][4:])] == ["late-3"]
    finally:
        server.close()
        await server.wait_closed()
