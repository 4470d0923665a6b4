"""The system's leader-only start-up init, registered on ``AppHooks``.

Order (seeds.md): ``init_menus`` → ``refresh_api_list`` → ``init_users``
(R_SUPER re-attachment, roles, users, dictionaries) → ``business_init`` →
``refresh_all_cache``. ``app.core.init_lock`` makes exactly one process run
them per deployment start.

Extension point for business modules: append ``(name, async_callable)`` to
the list returned by :func:`business_init_hooks` (``app.state.business_init``)
while the app is being built. Each one runs in order; a failure is logged and
recorded in ``app.state.init_errors`` (and in Redis ``app:init_errors`` so
every worker's readiness shows it) and the others still run, unless
``INIT_FAIL_ON_BUSINESS_ERROR`` makes it fatal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from loguru import logger
from redis.asyncio import Redis
from tortoise.exceptions import OperationalError

from app.core.config import Settings
from app.core.lifecycle import AppHooks
from app.core.redis import REDIS_ERRORS
from app.system.api.route_table import live_routes, route_keys
from app.system.init_data import SYSTEM_DICTIONARIES, SYSTEM_MENUS, SYSTEM_ROLES, SYSTEM_USERS
from app.system.services.api_catalogue import refresh_api_list
from app.system.services.authz_loader import refresh_all_cache
from app.system.services.init_helper import apply_init_data, ensure_super_role
from app.system.services.init_helper.apply import ACTIVE_ROUTE_KEYS

BusinessInit = Callable[[], Awaitable[None]]
INIT_ERRORS_KEY = "app:init_errors"
_MISSING_TABLE_MARKERS = ("no such table", "does not exist", "doesn't exist")


class MissingTablesError(RuntimeError):
    """The database has no Trellis tables yet."""


def business_init_hooks(app: FastAPI) -> list[tuple[str, BusinessInit]]:
    """The list business modules append ``(name, init)`` to (``app.state.business_init``)."""
    hooks: list[tuple[str, BusinessInit]] | None = getattr(app.state, "business_init", None)
    if hooks is None:
        hooks = []
        app.state.business_init = hooks
    return hooks


def register_startup(app: FastAPI, hooks: AppHooks) -> None:
    """Register the system init hooks (leader only) and the per-worker error sync."""
    business_init_hooks(app)

    async def refresh_apis() -> None:
        await refresh_api_list(live_routes(app))

    async def business() -> None:
        await run_business_init(app)

    async def load_errors() -> None:
        await load_init_errors(app)

    hooks.on_init("init_menus", init_menus)
    hooks.on_init("refresh_api_list", refresh_apis)
    hooks.on_init("init_users", init_users)
    hooks.on_init("business_init", business)
    hooks.on_init("refresh_all_cache", refresh_cache)
    hooks.on_worker_start("load_init_errors", load_errors)


async def init_menus() -> None:
    """Create the system menus that are missing (existing ones keep administrators' edits)."""
    try:
        await apply_init_data({"menus": SYSTEM_MENUS}, overwrite=False)
    except OperationalError as exc:
        if any(marker in str(exc).lower() for marker in _MISSING_TABLE_MARKERS):
            raise MissingTablesError("the database has no Trellis tables: run `python -m app.cli migrate` first") from exc
        raise


async def init_users() -> None:
    """Re-attach R_SUPER to every menu and button, then create missing roles, users, dictionaries."""
    await ensure_super_role()
    await apply_init_data({"roles": SYSTEM_ROLES, "users": SYSTEM_USERS, "dictionaries": SYSTEM_DICTIONARIES}, overwrite=False)


async def run_business_init(app: FastAPI) -> None:
    """Run every business init; failures are isolated and recorded (see module docstring).

    While they run, API references given as route names resolve against this
    app's routes (``apply_init_data`` reads them from ``ACTIVE_ROUTE_KEYS``).
    """
    settings: Settings = app.state.settings
    errors: dict[str, str] = app.state.init_errors
    errors.clear()
    token = ACTIVE_ROUTE_KEYS.set(route_keys(app))
    try:
        for name, init in business_init_hooks(app):
            try:
                await init()
            except Exception as exc:
                if settings.INIT_FAIL_ON_BUSINESS_ERROR:
                    raise
                logger.exception("business init {} failed; start-up continues without it", name)
                errors[name] = f"{type(exc).__name__}: {exc}"
    finally:
        ACTIVE_ROUTE_KEYS.reset(token)
    await _publish_errors(getattr(app.state, "redis", None), errors)


async def _publish_errors(redis: Redis | None, errors: dict[str, str]) -> None:
    """Mirror this init's failures to Redis so every worker's readiness reports them."""
    if redis is None:
        return
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.delete(INIT_ERRORS_KEY)
            if errors:
                pipe.hset(INIT_ERRORS_KEY, mapping=dict(errors.items()))
            await pipe.execute()
    except REDIS_ERRORS:
        logger.warning("could not record business init errors in Redis")


async def load_init_errors(app: FastAPI) -> None:
    """Copy the leader's recorded business init failures into this worker's state."""
    redis = getattr(app.state, "redis", None)
    if redis is None:
        return
    try:
        recorded = await redis.hgetall(INIT_ERRORS_KEY)
    except REDIS_ERRORS:
        return
    app.state.init_errors.update(recorded)


async def refresh_cache() -> None:
    """Rebuild the permission cache from the freshly seeded database (every worker's snapshot drops)."""
    await refresh_all_cache()
