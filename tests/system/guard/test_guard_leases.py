"""Leases: a worker takes a slice of a client's window budget at once and never lets the total pass the limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from app.core.guard import ALLOWED, BANNED, LIMITED, RateLimiter
from app.core.redis import create_redis
from app.core.redis_mux import RedisMux
from tests.conftest import base_settings

IP = "198.51.100.40"
PATH = "/api/v1/guard-probe"


def limiter(**overrides: Any) -> RateLimiter:
    return RateLimiter(base_settings(GUARD_ENABLED=True, **overrides))


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(params=["mux", "redis-py"])
async def channel(request: pytest.FixtureRequest, redis_url: str, redis: Redis) -> AsyncIterator[Redis | RedisMux]:
    """The two clients the guard runs on: the hot path's multiplexed channel, and redis-py."""
    if request.param == "redis-py":
        yield redis
        return
    mux = RedisMux.from_url(redis_url)
    assert mux is not None
    try:
        yield mux
    finally:
        await mux.aclose()


async def test_a_slice_is_counted_when_taken_and_served_locally(channel: Redis | RedisMux, redis: Redis) -> None:
    guard = limiter(GUARD_RATE_LIMIT=40, GUARD_LEASE_PARTS=4)
    assert guard.lease_size == 10
    assert await guard.hit(channel, IP, PATH) == (ALLOWED, 0)
    assert await redis.get("guard:{198.51.100.40}:rate") == "10"
    for _ in range(9):
        assert await guard.hit(channel, IP, PATH) == (ALLOWED, 0)
    assert await redis.get("guard:{198.51.100.40}:rate") == "10"  # nine requests, no Redis write
    assert await guard.hit(channel, IP, PATH) == (ALLOWED, 0)
    assert await redis.get("guard:{198.51.100.40}:rate") == "20"


async def test_workers_sharing_a_client_never_pass_the_limit_together(channel: Redis | RedisMux, redis: Redis) -> None:
    workers = [limiter(GUARD_RATE_LIMIT=25, GUARD_LEASE_PARTS=4, GUARD_AUTO_BAN_THRESHOLD=1000) for _ in range(3)]
    allowed = 0
    refused: set[int] = set()
    turn = 0
    while len(refused) < len(workers):
        index = turn % len(workers)
        turn += 1
        verdict, retry = await workers[index].hit(channel, IP, PATH)
        if verdict == ALLOWED:
            allowed += 1
        else:
            assert verdict == LIMITED and 0 < retry <= 60
            refused.add(index)
    assert allowed == 25  # 6 + 6 + 6, then what was left (7 requests: 6 and a partial 1)
    assert sum(int(lease[0]) for worker in workers for lease in worker._leases.values()) == 0


async def test_a_slice_ends_with_its_window(channel: Redis | RedisMux, redis: Redis) -> None:
    guard = limiter(GUARD_RATE_LIMIT=20, GUARD_RATE_LIMIT_WINDOW=1, GUARD_LEASE_PARTS=2)
    assert await guard.hit(channel, IP, PATH) == (ALLOWED, 0)
    assert await redis.get("guard:{198.51.100.40}:rate") == "10"
    await asyncio.sleep(1.2)
    assert await redis.get("guard:{198.51.100.40}:rate") is None  # the window ended in Redis...
    assert await guard.hit(channel, IP, PATH) == (ALLOWED, 0)
    assert await redis.get("guard:{198.51.100.40}:rate") == "10"  # ...and here: a new slice was taken


@pytest.mark.parametrize(("limit", "parts"), [(30, 20), (10**6, 0)], ids=["budget-under-twice-the-parts", "leases-off"])
async def test_endpoint_limits_small_budgets_and_leases_off_count_every_request(
    channel: Redis | RedisMux, redis: Redis, limit: int, parts: int
) -> None:
    guard = limiter(GUARD_RATE_LIMIT=limit, GUARD_LEASE_PARTS=parts, GUARD_LOGIN_RATE_LIMIT=50)
    assert guard.lease_size == 1
    for _ in range(3):
        await guard.hit(channel, IP, PATH)
    assert await redis.get("guard:{198.51.100.40}:rate") == "3"
    leasing = limiter(GUARD_RATE_LIMIT=400, GUARD_LEASE_PARTS=20, GUARD_LOGIN_RATE_LIMIT=50)
    for _ in range(3):
        await leasing.hit(channel, "198.51.100.41", "/api/v1/auth/login")
    assert await redis.get("guard:{198.51.100.41}:rate:/api/v1/auth/login") == "3"
    assert await redis.get("guard:{198.51.100.41}:rate") == "3"  # an endpoint with its own limit takes no slice


async def test_a_ban_reaches_a_worker_once_its_slice_is_used(channel: Redis | RedisMux, redis: Redis) -> None:
    guard = limiter(GUARD_RATE_LIMIT=40, GUARD_LEASE_PARTS=4)
    assert await guard.hit(channel, IP, PATH) == (ALLOWED, 0)
    await redis.set("guard:{198.51.100.40}:ban", "1", ex=30)  # set by another worker
    verdicts = [(await guard.hit(channel, IP, PATH))[0] for _ in range(10)]
    assert verdicts == [ALLOWED] * 9 + [BANNED]


async def test_forgotten_slices_are_bounded(channel: Redis | RedisMux, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.core.guard.MAX_LEASES", 3)
    guard = limiter(GUARD_RATE_LIMIT=40, GUARD_LEASE_PARTS=4)
    for n in range(5):
        await guard.hit(channel, f"198.51.100.{50 + n}", PATH)
    assert list(guard._leases) == ["198.51.100.52", "198.51.100.53", "198.51.100.54"]
