"""Exactly-once start-up init in Redis: coverage by boot, takeover after a dead leader, owned release."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.core.init_lock import DONE_KEY, LOCK_KEY, RUNS_KEY, BootInfo, InitTimeoutError, run_init_once
from tests.core.redis_process import RedisProcess


@pytest.fixture
async def redis(private_redis: RedisProcess) -> AsyncIterator[Redis]:
    """A redis-server of its own: the lock keys are global names, and a planted lock must not leak."""
    client = Redis.from_url(private_redis.url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


def boot(name: str, started_at: float | None = None) -> BootInfo:
    return BootInfo(name, time.time() if started_at is None else started_at)


class Counter:
    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay

    async def __call__(self) -> None:
        self.calls += 1
        await asyncio.sleep(self.delay)


async def test_a_boot_runs_init_once_even_when_a_worker_is_respawned(redis: Redis) -> None:
    init, this_boot = Counter(), boot("b1")
    assert await run_init_once(redis, this_boot, init) is True
    assert await run_init_once(redis, this_boot, init) is False  # respawned worker, same boot
    assert init.calls == 1 and await redis.get(RUNS_KEY) == "1"
    assert await redis.hexists(DONE_KEY, "b1")
    assert not await redis.exists(LOCK_KEY)  # released by its owner


async def test_concurrent_workers_and_replicas_starting_together_run_it_once(redis: Redis) -> None:
    init = Counter(delay=0.3)
    started = time.time()
    boots = [boot(f"server-{i % 2}", started) for i in range(6)]  # two servers, three workers each
    results = await asyncio.gather(*(run_init_once(redis, b, init, poll_interval=0.05) for b in boots))
    assert init.calls == 1 and results.count(True) == 1


async def test_a_server_started_after_the_last_init_began_runs_its_own(redis: Redis) -> None:
    init = Counter()
    await run_init_once(redis, boot("old"), init)
    await asyncio.sleep(0.01)
    assert await run_init_once(redis, boot("new"), init) is True
    assert await run_init_once(redis, boot("older", time.time() - 60), init) is False
    assert init.calls == 2


async def test_a_dead_leaders_lock_expires_and_a_follower_takes_over(redis: Redis) -> None:
    await redis.set(LOCK_KEY, "dead-leader-token", px=800)  # nobody renews it
    init = Counter()
    started = time.monotonic()
    assert await run_init_once(redis, boot("b"), init, wait_limit=0.5, poll_interval=0.05) is True
    assert 0.6 < time.monotonic() - started < 5
    assert init.calls == 1


async def test_followers_give_up_on_a_live_leader_that_never_finishes(redis: Redis) -> None:
    await redis.set(LOCK_KEY, "live-leader-token", ex=60)
    with pytest.raises(InitTimeoutError):
        await run_init_once(redis, boot("b"), Counter(), lock_ttl=0.5, wait_limit=0.4, poll_interval=0.05)


async def test_only_the_owner_releases_the_lock(redis: Redis) -> None:
    async def lose_the_lock() -> None:
        await redis.set(LOCK_KEY, "someone-else")  # our lock expired and another process took it

    await run_init_once(redis, boot("b"), lose_the_lock)
    assert await redis.get(LOCK_KEY) == "someone-else"


async def test_a_failing_init_releases_the_lock_and_marks_nothing_done(redis: Redis) -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await run_init_once(redis, boot("b"), broken)
    assert not await redis.exists(LOCK_KEY)
    assert not await redis.hexists(DONE_KEY, "b")
    assert await run_init_once(redis, boot("b"), Counter()) is True  # the next worker retries


async def test_the_leader_renews_its_lock_while_init_runs(redis: Redis) -> None:
    ttls: list[int] = []

    async def slow() -> None:
        for _ in range(6):
            await asyncio.sleep(0.25)
            ttls.append(int(await redis.pttl(LOCK_KEY)))

    await run_init_once(redis, boot("b"), slow, lock_ttl=0.6)
    assert min(ttls) > 0  # 1.5 s of init under a 0.6 s TTL: renewed, never expired
