"""``ticker.tick`` appends "<pid> <time>" to the Redis list ``ticker:runs`` once per second."""

from __future__ import annotations

import os
import time

from app.utils import BusinessModule, PeriodicTask, TaskContext

RUNS_KEY = "ticker:runs"


async def tick(ctx: TaskContext) -> None:
    await ctx.redis.rpush(RUNS_KEY, f"{os.getpid()} {time.time():.3f}")


module = BusinessModule(name="ticker", tasks=(PeriodicTask("ticker.tick", tick, interval_seconds=1.0, run_immediately=True),))
