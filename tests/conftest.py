"""Shared fixtures: settings per backend, a real app with its lifespan, clients.

Every database-facing test runs on SQLite, PostgreSQL and MariaDB (the
``backend`` parameter). Each pytest session creates its own databases and
drops them at the end; each test starts from empty tables and its own,
flushed Redis DB.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_sync
from fastapi import FastAPI
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app import create_app
from app.core.config import Settings
from tests import services

#: 64+ bytes: tests forge HS512 tokens with it, and PyJWT warns below the hash size.
TEST_SECRET = "trellis-test-secret-key-0123456789-abcdefghijklmnop-qrstuvwxyz-0123456789"

_created: dict[str, services.Backend] = {}
_schemas_ready: set[str] = set()
_tmp_dir = tempfile.mkdtemp(prefix="trellis-tests-")


def base_settings(**overrides: Any) -> Settings:
    """Settings for tests: fast hashing, no files, no guard unless asked."""
    values: dict[str, Any] = {
        "SECRET_KEY": TEST_SECRET,
        "APP_DEBUG": True,
        "LOG_TO_FILE": False,
        "LOG_LEVEL": "WARNING",
        "DATA_DIR": Path(_tmp_dir) / "data",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "GUARD_ENABLED": False,
        "RADAR_ENABLED": False,
        "INIT_WAIT_SECONDS": 30,
        # One full collection per app start adds up over a thousand in-process apps;
        # the server-process tests (python -m app) run with the default.
        "GC_GEN0_THRESHOLD": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(params=services.BACKENDS)
def backend(request: pytest.FixtureRequest) -> services.Backend:
    name: str = request.param
    if name not in _created:
        be = services.backend_for(name, _tmp_dir)
        asyncio.run(services.create_database(be))
        _created[name] = be
    return _created[name]


@pytest.fixture
def redis_url(backend: services.Backend) -> str:
    services.require_service("Redis", services.REDIS_HOST, services.REDIS_PORT)
    db = services.redis_db_for(backend.name)
    client = redis_sync.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=db)
    client.flushdb()
    client.close()
    return f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{db}"


@pytest.fixture
def settings_factory(backend: services.Backend, redis_url: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return base_settings(DB_URL=backend.db_url, REDIS_URL=redis_url, **overrides)

    return make


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


async def reset_database(app: FastAPI, backend_name: str) -> None:
    """Empty every table of the app's models (creating them on first use)."""
    # Tortoise caches INSERT SQL per (connection name, table), not per dialect:
    # a process that switches backends must drop that cache.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=app.state.tortoise_config)
    try:
        # Keyed by model modules too: enabling a business module adds tables to app_system.
        apps = app.state.tortoise_config["apps"]
        key = f"{backend_name}:{sorted((name, tuple(cfg['models'])) for name, cfg in apps.items())}"
        if key not in _schemas_ready:
            await Tortoise.generate_schemas(safe=True)
            _schemas_ready.add(key)
        for conn_name in app.state.tortoise_config["connections"]:
            conn = Tortoise.get_connection(conn_name)
            tables = _tables_of(conn_name)
            if not tables:
                continue
            if backend_name == "postgres":
                quoted = ", ".join(f'"{t}"' for t in tables)
                await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            elif backend_name == "mysql":
                script = "SET FOREIGN_KEY_CHECKS=0; " + " ".join(f"TRUNCATE TABLE `{t}`;" for t in tables) + " SET FOREIGN_KEY_CHECKS=1;"
                await conn.execute_script(script)
            else:
                script = "PRAGMA foreign_keys=OFF; " + " ".join(f'DELETE FROM "{t}";' for t in tables) + " PRAGMA foreign_keys=ON;"
                await conn.execute_script(script)
    finally:
        await Tortoise.close_connections()


def _tables_of(conn_name: str) -> list[str]:
    tables: list[str] = []
    for app_models in Tortoise.apps.values():
        for model in app_models.values():
            if model._meta.default_connection != conn_name:
                continue
            tables.append(model._meta.db_table)
            for m2m in model._meta.m2m_fields:
                field = model._meta.fields_map[m2m]
                through = getattr(field, "through", None)
                if through and through not in tables:
                    tables.append(through)
    return sorted(set(tables))


@pytest.fixture
def fresh_db(backend: services.Backend, tmp_path: Path) -> Iterator[services.Backend]:
    """A fresh, empty database of this test's own on the backend's server (the shared test DB already has tables)."""
    name = f"{backend.database}_own"
    if backend.name == "sqlite":
        own = services.Backend("sqlite", f"sqlite://{tmp_path}/{name}.sqlite3", None, name)
    else:
        own = services.Backend(backend.name, backend.db_url.rsplit("/", 1)[0] + f"/{name}", backend.admin_url, name)
    asyncio.run(services.create_database(own))
    yield own
    asyncio.run(services.drop_database(own))


@pytest.fixture
def app_factory(backend: services.Backend, settings: Settings) -> Callable[..., FastAPI]:
    """Build an app (not started) on this test's backend; overrides go to Settings."""

    def make(**overrides: Any) -> FastAPI:
        chosen = settings.model_copy(update=overrides) if overrides else settings
        return create_app(chosen)

    return make


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend) -> AsyncIterator[FastAPI]:
    """A started app (lifespan run: seeds, caches) on empty tables."""
    application = app_factory()
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    for be in _created.values():
        try:
            asyncio.run(services.drop_database(be))
        except Exception as exc:
            print(f"could not drop {be.database}: {exc}")
