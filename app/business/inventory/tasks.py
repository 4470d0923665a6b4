"""Periodic work: a product count per status, refreshed once a minute on one worker."""

from __future__ import annotations

from app.business.inventory.models import Product
from app.utils import PeriodicTask, TaskContext

STATS_KEY = "inventory:product_stats"


async def refresh_product_stats(ctx: TaskContext) -> None:
    """Write ``{status: count}`` to the Redis hash ``inventory:product_stats``."""
    counts: dict[str, int] = {}
    for status in await Product.all().values_list("status", flat=True):
        counts[str(status)] = counts.get(str(status), 0) + 1
    async with ctx.redis.pipeline(transaction=True) as pipe:
        pipe.delete(STATS_KEY)
        for name, count in counts.items():
            pipe.hset(STATS_KEY, name, count)
        await pipe.execute()


PRODUCT_STATS_TASK = PeriodicTask("inventory.product_stats", refresh_product_stats, interval_seconds=60, run_immediately=True)
