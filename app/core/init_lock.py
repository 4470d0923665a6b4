"""Exactly-once start-up init across workers and replicas, coordinated in Redis.

Keys (all under ``app:init``):

* ``app:init_lock`` – ``SET NX PX`` with a random owner token; the holder
  renews it while init runs, so a dead leader's lock expires within the TTL
  and only the owner can release it (compare-and-delete).
* ``app:init_done`` – hash ``boot_id -> completion time`` of every server
  start that init has covered; a respawned worker finds its boot id there
  and skips init.
* ``app:init_last`` – time the last init *started*; a server that started
  before that moment is covered by it (two replicas starting together run
  init once; a server started while an init runs still gets its own, since
  that init may predate its code).
* ``app:init_runs`` – counter of completed inits (operations and tests).

A boot id identifies one server start: ``TRELLIS_BOOT_ID`` when the launcher
sets it, else the parent process id plus its start time. See
docs/startup-coordination.md.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import psutil
from loguru import logger
from redis.asyncio import Redis

from app.core.redis import REDIS_ERRORS

LOCK_KEY = "app:init_lock"
DONE_KEY = "app:init_done"
LAST_KEY = "app:init_last"
RUNS_KEY = "app:init_runs"
DONE_RETENTION_SECONDS = 7 * 24 * 3600

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
"""


@dataclass(frozen=True)
class BootInfo:
    boot_id: str
    started_at: float


def current_boot() -> BootInfo:
    """This server start's identity (shared by all workers of one master)."""
    env_id = os.environ.get("TRELLIS_BOOT_ID")
    if env_id:
        started = float(os.environ.get("TRELLIS_BOOT_TIME", "0") or 0) or time.time()
        return BootInfo(env_id, started)
    parent = psutil.Process(os.getppid())
    created = parent.create_time()
    return BootInfo(f"{parent.pid}-{created:.3f}", created)


class InitTimeoutError(RuntimeError):
    """No init completed within the wait limit."""


async def run_init_once(
    redis: Redis,
    boot: BootInfo,
    init: Callable[[], Awaitable[None]],
    *,
    lock_ttl: float = 120.0,
    wait_limit: float = 150.0,
    poll_interval: float = 0.2,
) -> bool:
    """Run ``init`` unless this boot is already covered; True when this process ran it.

    A follower waits while another process holds the lock. Its patience
    restarts whenever the lock changes hands and is never shorter than the
    lock's TTL (plus a second), so a leader that dies never strands it: the
    dead leader's lock expires within ``lock_ttl`` and the follower takes
    over. Only a live leader, renewing for longer than ``wait_limit``, makes
    followers give up (``InitTimeoutError``). Raises whatever ``init``
    raises (lock released).
    """
    token = secrets.token_hex(16)
    ttl_ms = int(lock_ttl * 1000)
    patience = max(wait_limit, lock_ttl + 1.0)
    holder: bytes | str | None = None
    deadline = time.monotonic() + patience
    while True:
        if await _covered(redis, boot):
            await redis.hset(DONE_KEY, boot.boot_id, f"{time.time():.3f}")
            return False
        if await redis.set(LOCK_KEY, token, nx=True, px=ttl_ms):
            return await _lead(redis, boot, token, ttl_ms, init)
        current = await redis.get(LOCK_KEY)
        if current != holder:
            holder, deadline = current, time.monotonic() + patience
        elif time.monotonic() > deadline:
            raise InitTimeoutError(f"start-up init held by another process did not complete within {patience:.0f}s")
        await asyncio.sleep(poll_interval)


async def _lead(redis: Redis, boot: BootInfo, token: str, ttl_ms: int, init: Callable[[], Awaitable[None]]) -> bool:
    """Holding the lock: re-check coverage, run init with renewal, record it, release."""
    try:
        if await _covered(redis, boot):
            await redis.hset(DONE_KEY, boot.boot_id, f"{time.time():.3f}")
            return False
        started = f"{time.time():.3f}"
        await _run_with_renewal(redis, token, ttl_ms, init)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(LAST_KEY, started)
            pipe.hset(DONE_KEY, boot.boot_id, f"{time.time():.3f}")
            pipe.expire(DONE_KEY, DONE_RETENTION_SECONDS)
            pipe.incr(RUNS_KEY)
            await pipe.execute()
        return True
    finally:
        await redis.eval(_RELEASE, 1, LOCK_KEY, token)


async def _covered(redis: Redis, boot: BootInfo) -> bool:
    """True when this boot (or a start it belongs to) already had its init."""
    if await redis.hexists(DONE_KEY, boot.boot_id):
        return True
    last = await redis.get(LAST_KEY)
    return last is not None and float(last) >= boot.started_at


async def _run_with_renewal(redis: Redis, token: str, ttl_ms: int, init: Callable[[], Awaitable[None]]) -> None:
    finished = asyncio.Event()

    async def renew() -> None:
        # Ends on ``finished`` too: redis-py can lose a cancellation that lands inside a command.
        while not finished.is_set():
            await asyncio.sleep(ttl_ms / 3000)
            if finished.is_set():
                return
            try:
                kept = await redis.eval(_RENEW, 1, LOCK_KEY, token, str(ttl_ms))
            except REDIS_ERRORS:
                logger.warning("could not renew the init lock")
                continue
            if not kept:
                logger.warning("the init lock expired under this leader; another process may run init concurrently")

    renewer = asyncio.create_task(renew())
    try:
        await init()
    finally:
        finished.set()
        renewer.cancel()
