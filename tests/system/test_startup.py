"""The start-up init sequence: business init failures are isolated, recorded, optionally fatal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis as redis_sync
from fastapi import FastAPI

from app.core.startup import stop_process
from app.core.write_tracking import set_listener
from app.system.models import Menu
from app.system.startup import INIT_ERRORS_KEY, business_init_hooks
from tests import services
from tests.conftest import reset_database


async def start_expecting_failure(application: FastAPI, backend: services.Backend, error: type[Exception], match: str) -> None:
    """Start ``application`` on empty tables; its start-up must raise ``error``."""
    await reset_database(application, backend.name)
    try:
        with pytest.raises(error, match=match):
            async with application.router.lifespan_context(application):
                pass
    finally:
        await stop_process(application)  # a worker would exit here; the test process must release the ORM


def init_order(app: FastAPI) -> list[str]:
    return [name for name, _ in app.state.hooks.init]


def test_the_system_hooks_run_in_the_documented_order(app_factory: Callable[..., FastAPI]) -> None:
    names = [
        n for n in init_order(app_factory()) if n in {"init_menus", "refresh_api_list", "init_users", "business_init", "refresh_all_cache"}
    ]
    assert names == ["init_menus", "refresh_api_list", "init_users", "business_init", "refresh_all_cache"]


async def test_a_failing_business_init_is_isolated_and_recorded(
    app_factory: Callable[..., FastAPI], backend: services.Backend, redis_url: str
) -> None:
    application = app_factory()
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")
        assert await Menu.filter(route_name="home").exists()  # business init sees the system seeds

    business_init_hooks(application).extend([("crm", broken), ("shop", fine)])
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        assert ran == ["fine"]
        assert application.state.init_errors == {"crm": "RuntimeError: boom"}
    client = redis_sync.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert client.hgetall(INIT_ERRORS_KEY) == {"crm": "RuntimeError: boom"}  # other workers load it at start
    finally:
        client.close()


async def test_init_fail_on_business_error_makes_it_fatal(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    application = app_factory(INIT_FAIL_ON_BUSINESS_ERROR=True)

    async def broken() -> None:
        raise RuntimeError("boom")

    business_init_hooks(application).append(("crm", broken))
    await start_expecting_failure(application, backend, RuntimeError, "boom")


async def test_an_init_that_loses_its_database_fails_once_and_is_not_blamed_on_redis(
    app_factory: Callable[..., FastAPI], backend: services.Backend
) -> None:
    """A lost database connection is an OSError, as Redis's are; it must not make the worker re-run init uncoordinated."""
    application = app_factory()
    calls: list[str] = []

    async def database_gone() -> None:
        calls.append("init")
        raise ConnectionError("database went away")

    application.state.hooks.on_init("probe", database_gone)
    await start_expecting_failure(application, backend, ConnectionError, "database went away")
    assert calls == ["init"]


async def test_a_stopped_app_no_longer_hears_writes(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    """Its write listener would reach Redis clients closed with it (tests start many apps in one process)."""
    application = app_factory()
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        listening = set_listener(None)
        set_listener(listening)
        assert listening == application.state.authz.data_written
    assert set_listener(None) is None
