"""Periodic tasks: interval jobs declared by modules, run by every worker's loop.

Every worker runs a loop per task. A ``leader_only`` task (the default) runs
only in the worker that wins ``SET business:task:<name> <token> NX PX
<interval>``; the key is the claim on the current interval, so across all
workers and replicas sharing a Redis the task runs at most once per interval.

Behaviour worth knowing (tested in tests/core/test_tasks.py):

* **Timing**: workers poll every ``min(1 s, interval/4)``; the first worker to
  poll after the previous claim expired runs the task, so runs start at
  least ``interval`` apart and at most one poll period late.
* **Overlap**: a run longer than its interval keeps its claim alive (the
  owner extends the key while running), so no other worker starts the task
  until it finishes; a worker never overlaps its own runs either.
* **Missed runs are not caught up**: intervals during which no worker was up
  (or Redis was unreachable) are skipped; the next poll runs the task once.
* **Errors**: a failing handler is logged; the claim stays until it expires,
  so a failure is retried in the next interval, not immediately.
* ``leader_only=False`` tasks run in every worker, every interval, without
  Redis. ``run_immediately`` makes the first attempt at worker start instead
  of one interval later.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from redis.asyncio import Redis

from app.core.names import DOTTED_NAME_RE
from app.core.redis import REDIS_ERRORS

TASK_KEY_PREFIX = "business:task:"

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  if redis.call('pttl', KEYS[1]) < tonumber(ARGV[2]) then return redis.call('pexpire', KEYS[1], ARGV[2]) end
  return 1
end
return 0
"""


@dataclass(frozen=True)
class TaskContext:
    """What a handler that takes one argument receives."""

    name: str
    redis: Redis
    started_at: float


TaskHandler = Callable[..., Awaitable[None] | None]


@dataclass(frozen=True)
class PeriodicTask:
    """An interval job: ``handler()`` or ``handler(ctx: TaskContext)``, sync or async."""

    name: str
    handler: TaskHandler
    interval_seconds: float
    leader_only: bool = True
    run_immediately: bool = False
    #: Whether ``handler`` takes the ``TaskContext``; read from its signature once, here, not per run.
    wants_ctx: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not DOTTED_NAME_RE.match(self.name):
            raise ValueError(f"task name {self.name!r} must be dotted lowercase, e.g. 'inventory.stock_check'")
        if self.interval_seconds <= 0:
            raise ValueError(f"task {self.name}: interval_seconds must be > 0")
        object.__setattr__(self, "wants_ctx", len(inspect.signature(self.handler).parameters) >= 1)

    @property
    def poll_seconds(self) -> float:
        return max(0.05, min(1.0, self.interval_seconds / 4))

    @property
    def key(self) -> str:
        return TASK_KEY_PREFIX + self.name


async def _call(task: PeriodicTask, redis: Redis) -> None:
    result = task.handler(TaskContext(task.name, redis, time.time())) if task.wants_ctx else task.handler()
    if inspect.isawaitable(result):
        await result


async def run_claimed(task: PeriodicTask, redis: Redis) -> bool:
    """Claim this interval for ``task`` and run it; False when another worker holds it."""
    token = secrets.token_hex(8)
    interval_ms = max(1, int(task.interval_seconds * 1000))
    if not await redis.set(task.key, token, nx=True, px=interval_ms):
        return False
    finished = asyncio.Event()
    keeper = asyncio.create_task(_keep_claim(redis, task.key, token, interval_ms, finished))
    try:
        await _call(task, redis)
    except Exception:  # noqa: BLE001 - a task failure is logged, the loop goes on
        logger.opt(exception=True).error("periodic task {} failed", task.name)
    finally:
        finished.set()
        keeper.cancel()
        # gather, not suppress(CancelledError): a cancellation of *this* task must propagate
        await asyncio.gather(keeper, return_exceptions=True)
    return True


async def _keep_claim(redis: Redis, key: str, token: str, interval_ms: int, finished: asyncio.Event) -> None:
    """While a run lasts longer than its interval, keep the claim from expiring.

    It stops on ``finished`` as well as on cancellation: redis-py 8.1 can lose a
    cancellation that lands inside a command (measured: ~3 % of cancels during
    an EVAL), and a keeper that never ends would hang its worker's shutdown.
    """
    margin = max(50, interval_ms // 2)
    await asyncio.sleep(interval_ms * 0.6 / 1000)
    while not finished.is_set():
        try:
            await redis.eval(_RENEW, 1, key, token, str(margin))
        except REDIS_ERRORS:
            logger.warning("could not extend the claim {}", key)
        await asyncio.sleep(margin / 3000)


class TaskRunner:
    """Runs the loops of ``tasks`` in this worker until ``stop``."""

    def __init__(self, redis: Redis, tasks: Iterable[PeriodicTask]) -> None:
        self.redis = redis
        self.tasks = list(tasks)
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        for task in self.tasks:
            self._loops.append(asyncio.create_task(self._loop(task), name=f"periodic:{task.name}"))

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Cancel the loops (a running handler is cancelled too) and wait for them.

        The loops also check a stop flag, because a cancellation that lands
        inside a redis-py command can be lost (see ``_keep_claim``).
        """
        self._stopping = True
        for loop in self._loops:
            loop.cancel()
        if self._loops:
            _, pending = await asyncio.wait(self._loops, timeout=grace_seconds)
            for loop in pending:
                logger.warning("periodic task loop {} did not stop within {}s", loop.get_name(), grace_seconds)
        self._loops.clear()

    async def _loop(self, task: PeriodicTask) -> None:
        if not task.run_immediately:
            await asyncio.sleep(task.interval_seconds)
        while not self._stopping:
            if task.leader_only:
                await self._leader_tick(task)
                await asyncio.sleep(task.poll_seconds)
            else:
                started = time.monotonic()
                await self._local_run(task)
                await asyncio.sleep(max(0.0, task.interval_seconds - (time.monotonic() - started)))

    async def _leader_tick(self, task: PeriodicTask) -> None:
        try:
            await run_claimed(task, self.redis)
        except REDIS_ERRORS:
            logger.warning("periodic task {}: Redis unreachable, interval skipped", task.name)

    async def _local_run(self, task: PeriodicTask) -> None:
        try:
            await _call(task, self.redis)
        except Exception:  # noqa: BLE001 - logged, the loop goes on
            logger.opt(exception=True).error("periodic task {} failed", task.name)


def check_unique_names(tasks: Iterable[PeriodicTask]) -> list[PeriodicTask]:
    """The tasks as a list, refusing two different tasks with one name."""
    seen: dict[str, PeriodicTask] = {}
    for task in tasks:
        if task.name in seen and seen[task.name] != task:
            raise ValueError(f"periodic task {task.name!r} is declared twice")
        seen[task.name] = task
    return list(seen.values())


def describe(tasks: Iterable[PeriodicTask]) -> list[dict[str, Any]]:
    """A JSON-ready listing (for readiness / module-list)."""
    return [{"name": t.name, "intervalSeconds": t.interval_seconds, "leaderOnly": t.leader_only} for t in tasks]
