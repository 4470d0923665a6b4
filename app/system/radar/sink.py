"""Radar's store process: workers hand their captured records to one writer over a Unix socket.

Writing Radar's rows (SQLite inserts of ~9 KB rows, their indexes, WAL
checkpoints) cost a worker about half of what Radar costs it under load. With
``RADAR_STORE_PROCESS`` the supervisor (``python -m app``) starts this process
beside the workers and tells them its socket (``TRELLIS_RADAR_SINK``); each
worker's ``RadarWriter`` then sends its batches here as one length-prefixed
MessagePack frame each — raw captures, unredacted: the socket is private to
this user — and this process redacts, writes and prunes them with the same
code a worker would use. Nothing is lost when the process is missing or dies: a
worker that cannot reach it writes its batches itself (``SinkClient``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import struct
import sys
import time
from typing import Any

import msgpack
from loguru import logger

from app.core.event_loop import run as run_event_loop
from app.system.radar.rows import RawRequest
from app.system.radar.writer import RadarRecord, RadarWriter

SINK_ENV = "TRELLIS_RADAR_SINK"
_HEADER = struct.Struct("!I")
#: A frame larger than this is refused (a batch is at most 200 records of bounded size).
MAX_FRAME_BYTES = 256 * 1024 * 1024
#: After a failed send, a worker writes locally for this long before trying the socket again.
RETRY_SECONDS = 5.0
#: How long after a worker starts a missing store counts as still starting (no warning, no back-off).
START_GRACE_SECONDS = 30.0
SEND_TIMEOUT = 5.0
#: The store's read buffer per connection before it stops reading (twice this): a frame of 200
#: records is about 1 MB, and with asyncio's 64 KiB default every frame paused and resumed the
#: socket several times (an epoll change each way).
READ_LIMIT = 4 * 1024 * 1024


def encode_batch(batch: list[RadarRecord]) -> bytes:
    """One frame: a 4-byte big-endian length, then ``[[request, queries, logs], ...]`` in MessagePack.

    MessagePack keeps bytes as bytes, so raw headers and bodies cross as they
    were captured; the store process decodes and redacts them.
    """
    payload: bytes = msgpack.packb(batch, default=_plain)
    return _HEADER.pack(len(payload)) + payload


def _plain(value: Any) -> Any:
    """What MessagePack has no type for: a server's own header container as a list, anything else as text."""
    try:
        return list(value)
    except TypeError:
        return str(value)


def decode_batch(payload: bytes) -> list[RadarRecord]:
    """The records of one frame's payload; anything but the expected shape raises ``ValueError``.

    Arrays come back as tuples (``use_list=False``): a third of the decoding
    cost of lists, and the headers are read, never changed.
    """
    try:
        items = msgpack.unpackb(payload, use_list=False)
        return [RadarRecord(RawRequest(*request), queries, logs) for request, queries, logs in items]
    except (msgpack.UnpackException, TypeError, ValueError) as exc:
        raise ValueError(f"not a Radar batch ({type(exc).__name__})") from exc


class SinkClient:
    """A worker's connection to the store process; ``send`` False means "write it yourself".

    The store starts beside the workers, not before them: until the first
    connection succeeds (or ``START_GRACE_SECONDS`` pass) a failure is the
    start-up race, retried on the next batch without a warning. Afterwards a
    failure is an outage: one warning, and ``RETRY_SECONDS`` of local writes
    before the next attempt.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: asyncio.StreamWriter | None = None
        self._created = time.monotonic()
        self._connected_once = False
        self._retry_at = 0.0
        self._warned = False
        self.sent = 0

    async def send(self, batch: list[RadarRecord]) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        try:
            stream = self._writer
            if stream is None or stream.is_closing():
                _, opened = await asyncio.wait_for(asyncio.open_unix_connection(self.path), SEND_TIMEOUT)
                self._writer = stream = opened
            stream.write(encode_batch(batch))
            await asyncio.wait_for(stream.drain(), SEND_TIMEOUT)
        except (TimeoutError, OSError) as exc:
            await self.close()
            self._failed(exc)
            return False
        self._connected_once, self._warned = True, False
        self.sent += len(batch)
        return True

    def _failed(self, exc: BaseException) -> None:
        if not self._connected_once and time.monotonic() - self._created < START_GRACE_SECONDS:
            return  # the store is still starting
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if not self._warned:
            self._warned = True
            logger.warning("radar: store process unreachable ({}); this worker writes its own records", type(exc).__name__)

    async def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _read_frames(reader: asyncio.StreamReader, writer: RadarWriter) -> None:
    while True:
        try:
            header = await reader.readexactly(_HEADER.size)
        except asyncio.IncompleteReadError:
            return
        (size,) = _HEADER.unpack(header)
        if size > MAX_FRAME_BYTES:
            logger.warning("radar store: refused a {}-byte frame; closing that connection", size)
            return
        try:
            records = decode_batch(await reader.readexactly(size))
        except (asyncio.IncompleteReadError, ValueError, TypeError) as exc:
            logger.warning("radar store: unreadable frame ({}); closing that connection", type(exc).__name__)
            return
        writer.submit_many(records)


async def serve(path: str) -> None:
    """Listen on ``path`` and write what arrives until SIGTERM/SIGINT (then drain and stop)."""
    from app.core.config import get_settings
    from app.core.database import build_tortoise_config, close_db, init_db
    from app.core.gc_tuning import restore, settle_heap
    from app.system.radar import create_radar_tables, prepare_store, radar_orm_app

    settings = get_settings()
    url = prepare_store(settings)
    await init_db(build_tortoise_config([radar_orm_app(url)], timezone=settings.TIMEZONE))
    await create_radar_tables()
    writer = RadarWriter(
        settings.RADAR_QUEUE_SIZE, settings.RADAR_RETENTION_HOURS, settings.RADAR_MAX_ROWS, body_limit=settings.RADAR_MAX_BODY_SIZE
    )
    writer.start()
    await writer.prune_quietly()
    settled = settle_heap(settings.GC_GEN0_THRESHOLD)

    connections: set[asyncio.Task[Any]] = set()

    async def handle(reader: asyncio.StreamReader, stream: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            connections.add(task)
        try:
            await _read_frames(reader, writer)
        except asyncio.CancelledError:
            return  # shutting down: what this connection sent is already queued
        finally:
            if task is not None:
                connections.discard(task)
            stream.close()

    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    old_umask = os.umask(0o177)  # the socket is for this user's processes only
    try:
        server = await asyncio.start_unix_server(handle, path, limit=READ_LIMIT)
    finally:
        os.umask(old_umask)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        for task in list(connections):  # a worker still connected: what it sent is already queued
            task.cancel()
        await writer.stop(drain_timeout=settings.SHUTDOWN_TIMEOUT_SECONDS)
        await close_db()
        restore(settled)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def main() -> int:
    path = os.environ.get(SINK_ENV)
    if not path:
        print(f"radar store: {SINK_ENV} (the socket path) is not set", file=sys.stderr)
        return 2
    run_event_loop(serve(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
