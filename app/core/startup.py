"""What every process does on start and stop (called from the lifespan)."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI
from loguru import logger

from app.core.config import Settings
from app.core.database import all_models, close_db, init_db
from app.core.file_lock import exclusive_async
from app.core.gc_tuning import restore, settle_heap
from app.core.init_lock import current_boot, run_init_once
from app.core.lifecycle import AppHooks
from app.core.migrate import migrate_embedded
from app.core.model import install_soft_delete_managers
from app.core.redis import REDIS_ERRORS, create_redis, ensure_embedded_redis
from app.core.redis_mux import RedisMux


def redis_url_for(settings: Settings) -> str:
    if settings.REDIS_URL:
        return settings.REDIS_URL
    return ensure_embedded_redis(settings.DATA_DIR)


async def start_process(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    hooks: AppHooks = app.state.hooks
    if settings.embedded_db:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    await init_db(app.state.tortoise_config)
    install_soft_delete_managers(all_models())
    if settings.embedded_db:  # workers starting together on a fresh file would each create the tables
        async with exclusive_async(settings.DATA_DIR / "migrate.lock"):
            await migrate_embedded(app.state.tortoise_config)
    redis_url = await asyncio.to_thread(redis_url_for, settings)
    app.state.redis = create_redis(redis_url, settings.REDIS_SOCKET_TIMEOUT)
    app.state.redis_mux = RedisMux.from_url(redis_url, settings.REDIS_SOCKET_TIMEOUT)
    boot = current_boot()
    app.state.boot = boot
    init_failed = False

    async def run_init() -> None:
        nonlocal init_failed
        try:
            await hooks.run_init()
        except BaseException:
            init_failed = True
            raise

    try:
        ran = await run_init_once(
            app.state.redis,
            boot,
            run_init,
            lock_ttl=settings.INIT_LOCK_TTL_SECONDS,
            wait_limit=settings.INIT_WAIT_SECONDS,
        )
        logger.info("start-up init {}", "ran in this process" if ran else "already done for this start")
    except REDIS_ERRORS:
        if init_failed:  # the init itself failed (a lost database connection is an OSError too), not Redis
            raise
        logger.warning("Redis unreachable at start-up: running init locally without coordination")
        await hooks.run_init()
    await hooks.run_worker_start()
    app.state.gc_settled = settle_heap(settings.GC_GEN0_THRESHOLD)


async def stop_process(app: FastAPI) -> None:
    hooks: AppHooks = app.state.hooks
    restore(getattr(app.state, "gc_settled", False))
    app.state.gc_settled = False
    await hooks.run_shutdown()
    mux: RedisMux | None = getattr(app.state, "redis_mux", None)
    if mux is not None:
        await mux.aclose()
    redis = getattr(app.state, "redis", None)
    if redis is not None:
        with contextlib.suppress(*REDIS_ERRORS):
            await redis.aclose()
    await close_db()
