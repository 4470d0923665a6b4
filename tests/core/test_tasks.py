"""Periodic tasks: at most one run per interval across workers, no overlap, no catch-up.

The in-process tests run several ``TaskRunner`` instances (one per simulated
worker) against one real Redis; the last test starts two real server
processes and counts the runs of a module's task.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import redis as redis_sync
from redis.asyncio import Redis

from app.core.redis import create_redis
from app.core.tasks import PeriodicTask, TaskContext, TaskRunner, _keep_claim, run_claimed
from tests import services
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


def redis_db() -> int:
    """A DB of our own (13..15), away from the per-backend DBs 1..12."""
    return 13 + services.worker_index() % 3


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    services.require_service("Redis", services.REDIS_HOST, services.REDIS_PORT)
    client = create_redis(f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{redis_db()}")
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def run_workers(redis: Redis, task: PeriodicTask, seconds: float, workers: int = 2, until: Callable[[], bool] | None = None) -> float:
    """Run ``workers`` runners for ``seconds`` (or until ``until()`` holds, within 10 s); the time they ran.

    Timing assertions bound what must never happen (two runs in one interval,
    overlap); a loaded machine only makes runs later, so lower bounds stay loose.
    """
    runners = [TaskRunner(redis, [task]) for _ in range(workers)]
    began = time.monotonic()
    for runner in runners:
        runner.start()
    if until is None:
        await asyncio.sleep(seconds)
    else:
        deadline = began + 10
        while not until() and time.monotonic() < deadline:  # noqa: ASYNC110 - polling a plain predicate
            await asyncio.sleep(0.05)
    for runner in runners:
        await runner.stop()
    return time.monotonic() - began


async def test_a_claim_holds_for_one_interval(redis: Redis) -> None:
    calls: list[float] = []
    task = PeriodicTask("demo.claim", lambda: calls.append(time.monotonic()), interval_seconds=0.3)
    assert await run_claimed(task, redis)
    assert not await run_claimed(task, redis)  # same interval: another worker must skip
    await asyncio.sleep(0.35)
    assert await run_claimed(task, redis)
    assert len(calls) == 2


async def test_two_workers_run_a_task_once_per_interval(redis: Redis) -> None:
    starts: list[float] = []

    async def record() -> None:
        starts.append(time.monotonic())

    elapsed = await run_workers(redis, PeriodicTask("demo.once", record, interval_seconds=0.3, run_immediately=True), 1.55, workers=3)
    assert 2 <= len(starts) <= elapsed / 0.3 + 1, starts
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.28, gaps


async def test_a_run_longer_than_its_interval_is_never_overlapped(redis: Redis) -> None:
    spans: list[tuple[float, float]] = []

    async def slow() -> None:
        began = time.monotonic()
        await asyncio.sleep(0.5)
        spans.append((began, time.monotonic()))

    await run_workers(redis, PeriodicTask("demo.slow", slow, interval_seconds=0.2, run_immediately=True), 0, until=lambda: len(spans) >= 3)
    assert len(spans) >= 3, spans
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert next_start >= end, spans


async def test_missed_intervals_are_not_caught_up(redis: Redis) -> None:
    starts: list[float] = []
    task = PeriodicTask("demo.missed", lambda: starts.append(time.monotonic()), interval_seconds=0.3, run_immediately=True)
    await run_workers(redis, task, 0, workers=1, until=lambda: len(starts) >= 1)
    assert len(starts) == 1
    await asyncio.sleep(1.0)  # about three intervals with no worker up
    await run_workers(redis, task, 0, workers=2, until=lambda: len(starts) >= 3)
    restart, after = starts[1], starts[2]
    assert after - restart >= 0.28, starts  # one run on restart, then the normal cadence: no burst of three


async def test_a_failing_handler_is_retried_next_interval(redis: Redis) -> None:
    attempts: list[float] = []

    def flaky() -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("not today")

    elapsed = await run_workers(redis, PeriodicTask("demo.flaky", flaky, interval_seconds=0.2, run_immediately=True), 0.75)
    assert 2 <= len(attempts) <= elapsed / 0.2 + 1, attempts


async def test_tasks_that_are_not_leader_only_run_in_every_worker(redis: Redis) -> None:
    seen: list[int] = []

    def worker_task(worker: int) -> PeriodicTask:
        return PeriodicTask("demo.local", lambda: seen.append(worker), 0.2, leader_only=False)

    runners = [TaskRunner(redis, [worker_task(i)]) for i in range(2)]
    for runner in runners:
        runner.start()
    deadline = time.monotonic() + 10
    while min(seen.count(0), seen.count(1)) < 2 and time.monotonic() < deadline:  # noqa: ASYNC110 - polling a plain list
        await asyncio.sleep(0.05)
    for runner in runners:
        await runner.stop()
    assert seen.count(0) >= 2 and seen.count(1) >= 2, seen
    assert await redis.exists("business:task:demo.local") == 0


async def test_a_handler_may_take_the_task_context(redis: Redis) -> None:
    got: list[TaskContext] = []
    assert await run_claimed(PeriodicTask("demo.ctx", got.append, 1.0), redis)
    assert got[0].name == "demo.ctx" and got[0].redis is redis
    assert 0 < await redis.pttl("business:task:demo.ctx") <= 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp_path: Path, name: str, redis_url: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": TEST_SECRET,
        "APP_DEBUG": "true",
        "LOG_TO_FILE": "false",
        "LOG_LEVEL": "WARNING",
        "DATA_DIR": str(tmp_path / name),
        "REDIS_URL": redis_url,
        "GUARD_ENABLED": "false",
        "RADAR_ENABLED": "false",
        "BUSINESS_PACKAGE": "tests.business.fixture_tasks",
        "TRELLIS_BOOT_ID": f"tasks-{name}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DB_URL", None)
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), port


def wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server on port {port} did not become ready")


@pytest.mark.multiprocess
def test_two_server_processes_run_a_module_task_once_per_interval(tmp_path: Path) -> None:
    services.require_service("Redis", services.REDIS_HOST, services.REDIS_PORT)
    redis_url = f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{redis_db()}"
    client = redis_sync.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    servers = [start_server(tmp_path, name, redis_url) for name in ("a", "b")]
    try:
        for _, port in servers:
            wait_ready(port, time.monotonic() + 30)
        client.delete("ticker:runs")
        time.sleep(4.5)
        runs = [line.split() for line in client.lrange("ticker:runs", 0, -1)]
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            process.wait(timeout=15)
        client.flushdb()
        client.close()
    times = [float(t) for _, t in runs]
    assert 2 <= len(times) <= 6, runs  # 4.5 s at one run per second: never more than 5 (+1 at the edge)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.95, runs


async def test_stopping_cancels_a_running_handler_promptly(redis: Redis) -> None:
    started = asyncio.Event()

    async def long_job() -> None:
        started.set()
        await asyncio.sleep(30)

    runner = TaskRunner(redis, [PeriodicTask("demo.long", long_job, interval_seconds=0.2, run_immediately=True)])
    runner.start()
    await asyncio.wait_for(started.wait(), 2)
    await asyncio.sleep(0.2)  # the claim keeper is running too
    began = time.monotonic()
    await asyncio.wait_for(runner.stop(), 3)
    assert time.monotonic() - began < 1


async def test_stop_ends_a_loop_whose_cancellation_was_lost(redis: Redis) -> None:
    """redis-py can lose a cancellation that lands inside a command; the loops must still stop."""

    async def stubborn() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # the lost cancellation, made deterministic
            await asyncio.sleep(0.3)

    runner = TaskRunner(redis, [PeriodicTask("demo.stubborn", stubborn, interval_seconds=0.1, run_immediately=True)])
    runner.start()
    loops = list(runner._loops)
    await asyncio.sleep(0.1)  # inside the handler
    await runner.stop(grace_seconds=3)
    assert all(loop.done() for loop in loops)


async def test_a_claim_keeper_ends_when_its_run_ends_even_without_a_cancel(redis: Redis) -> None:
    finished = asyncio.Event()
    await redis.set("claim:x", "me")
    keeper = asyncio.create_task(_keep_claim(redis, "claim:x", "me", 100, finished))
    await asyncio.sleep(0.15)  # renewing by now
    finished.set()
    await asyncio.wait_for(keeper, 2)
