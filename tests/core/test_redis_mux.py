"""The pipelined hot-path channel: replies reach the right caller, failures raise redis-py's errors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.core.redis import REDIS_ERRORS, ensure_embedded_redis, stop_embedded_redis
from app.core.redis_mux import RedisMux
from tests.core.redis_process import RedisProcess


def mux_for(server: RedisProcess, db: int = 0, **options: float) -> RedisMux:
    mux = RedisMux.from_url(f"redis://127.0.0.1:{server.port}/{db}", **options)
    assert mux is not None
    return mux


async def test_concurrent_callers_each_get_their_own_reply(private_redis: RedisProcess) -> None:
    mux = mux_for(private_redis)
    try:
        replies = await asyncio.gather(*(mux.execute("INCRBY", f"k{i}", i) for i in range(500)))
        assert replies == list(range(500))
        values = await mux.execute("MGET", "k1", "k499", "missing")
        assert values == ["1", "499", None]
    finally:
        await mux.aclose()


async def test_commands_of_one_turn_share_one_write(private_redis: RedisProcess) -> None:
    """Auto-pipelining: 50 concurrent commands reach the server together, not one syscall each."""
    mux = mux_for(private_redis)
    try:
        await mux.execute("PING")  # connect first
        protocol = mux._protocol
        assert protocol is not None and protocol.transport is not None
        writes: list[int] = []
        original = protocol.transport.write

        def counting_write(data: bytes | bytearray | memoryview) -> None:
            writes.append(len(data))
            original(data)

        protocol.transport.write = counting_write  # type: ignore[method-assign]
        await asyncio.gather(*(mux.execute("PING") for _ in range(50)))
        assert len(writes) == 1
    finally:
        await mux.aclose()


async def test_the_url_database_is_selected(private_redis: RedisProcess) -> None:
    mux = mux_for(private_redis, db=3)
    try:
        await mux.execute("SET", "where", "three")
    finally:
        await mux.aclose()
    client = private_redis.client()
    assert client.get("where") is None
    client.select(3)
    assert client.get("where") == "three"


async def test_password_is_sent_and_a_wrong_one_is_a_redis_error(private_redis: RedisProcess) -> None:
    private_redis.client().config_set("requirepass", "s3cret")
    good = RedisMux.from_url(f"redis://:s3cret@127.0.0.1:{private_redis.port}/0")
    bad = RedisMux.from_url(f"redis://:wrong@127.0.0.1:{private_redis.port}/0")
    assert good is not None and bad is not None
    try:
        assert await good.execute("PING") == "PONG"
        with pytest.raises(REDIS_ERRORS):
            await bad.execute("PING")
    finally:
        await good.aclose()
        await bad.aclose()


async def test_an_error_reply_fails_only_its_caller(private_redis: RedisProcess) -> None:
    mux = mux_for(private_redis)
    try:
        await mux.execute("SET", "text", "abc")
        results = await asyncio.gather(mux.execute("INCR", "text"), mux.execute("GET", "text"), return_exceptions=True)
        assert isinstance(results[0], ResponseError)
        assert results[1] == "abc"
    finally:
        await mux.aclose()


async def test_scripts_are_loaded_when_the_server_forgot_them(private_redis: RedisProcess) -> None:
    mux = mux_for(private_redis)
    script = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    try:
        assert await mux.evalsha(script, ["n"], [2]) == 2
        await mux.execute("SCRIPT", "FLUSH")
        assert await mux.evalsha(script, ["n"], [3]) == 5
        assert await mux.evalsha(script, ["n"], [1]) == 6
    finally:
        await mux.aclose()


async def test_a_stopped_server_is_a_connection_error_and_a_restart_reconnects(private_redis: RedisProcess) -> None:
    mux = mux_for(private_redis, timeout=1.0)
    try:
        assert await mux.execute("PING") == "PONG"
        private_redis.stop()
        with pytest.raises(RedisConnectionError):
            await mux.execute("PING")
        private_redis.start()
        assert await mux.execute("PING") == "PONG"
    finally:
        await mux.aclose()


@contextlib.contextmanager
def paused(server: RedisProcess) -> Iterator[None]:
    """The server process stopped (SIGSTOP) for the block: its connections stay open, nothing answers."""
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)


async def test_a_hung_server_times_out_and_the_channel_recovers(private_redis: RedisProcess) -> None:
    mux = mux_for(private_redis, timeout=0.3)
    try:
        assert await mux.execute("PING") == "PONG"
        with paused(private_redis):
            started = asyncio.get_running_loop().time()
            results = await asyncio.gather(mux.execute("PING"), mux.execute("PING"), return_exceptions=True)
            elapsed = asyncio.get_running_loop().time() - started
        assert all(isinstance(r, RedisTimeoutError) for r in results), results
        assert elapsed < 2, "callers are released at the timeout, not when the server wakes"
        assert await mux.execute("PING") == "PONG"
    finally:
        await mux.aclose()


async def test_a_cancelled_caller_does_not_shift_the_replies_of_the_next(private_redis: RedisProcess) -> None:
    """A caller cancelled while waiting (e.g. its client went away) leaves its reply to be skipped, in order."""
    mux = mux_for(private_redis, timeout=5.0)
    try:
        await mux.execute("MSET", "first", "1", "second", "2")
        with paused(private_redis):
            abandoned = asyncio.create_task(mux.execute("GET", "first"))
            await asyncio.sleep(0.05)  # written, reply pending
            abandoned.cancel()
            waiting = asyncio.create_task(mux.execute("GET", "second"))
            await asyncio.sleep(0.05)
        assert await waiting == "2"
        assert abandoned.cancelled()
        assert await mux.execute("GET", "first") == "1"
    finally:
        await mux.aclose()


async def test_unix_socket_urls_work_and_tls_urls_are_left_to_redis_py(tmp_path: Path) -> None:
    url = ensure_embedded_redis(tmp_path)
    mux = RedisMux.from_url(url)
    assert mux is not None
    try:
        assert await mux.execute("SET", "via", "socket") == "OK"
        assert await mux.execute("GET", "via") == "socket"
    finally:
        await mux.aclose()
        stop_embedded_redis(tmp_path)
    assert RedisMux.from_url("rediss://127.0.0.1:6380/0") is None


def test_the_channel_runs_on_uvloop(private_redis: RedisProcess) -> None:
    """granian uses uvloop when it is installed; its transports are not asyncio.Transport subclasses."""
    import uvloop

    async def exercise() -> list[object]:
        mux = mux_for(private_redis)
        try:
            return await asyncio.gather(
                mux.execute("SET", "loop", "uv"),
                mux.execute("GET", "loop"),
                mux.evalsha("return ARGV[1]", [], ["ok"]),
            )
        finally:
            await mux.aclose()

    assert uvloop.run(exercise()) == ["OK", "uv", "ok"]
