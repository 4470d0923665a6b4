"""Fixtures for the ledger tests: a second database per backend, and the app using it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace

import pytest
from fastapi import FastAPI

from tests import services
from tests.conftest import _tmp_dir, reset_database

_ledger_dbs: dict[str, services.Backend] = {}


def ledger_backend(main: services.Backend) -> services.Backend:
    """The ledger's own database on the same server as the main one (created once per session)."""
    if main.name not in _ledger_dbs:
        name = main.database + "_ledger"
        server = main.db_url.rsplit("/", 1)[0]
        url = f"sqlite://{_tmp_dir}/{name}.sqlite3" if main.name == "sqlite" else f"{server}/{name}"
        ledger = replace(main, db_url=url, database=name)
        asyncio.run(services.create_database(ledger))
        _ledger_dbs[main.name] = ledger
    return _ledger_dbs[main.name]


@pytest.fixture(scope="session", autouse=True)
def _drop_ledger_databases() -> Iterator[None]:
    yield
    for ledger in _ledger_dbs.values():
        asyncio.run(services.drop_database(ledger))


@pytest.fixture
def ledger_db(backend: services.Backend, monkeypatch: pytest.MonkeyPatch) -> services.Backend:
    ledger = ledger_backend(backend)
    monkeypatch.setenv("LEDGER_DB_URL", ledger.db_url)
    return ledger


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend, ledger_db: services.Backend) -> AsyncIterator[FastAPI]:
    """The app with ledger (own database) and inventory (main database) enabled."""
    application = app_factory(BUSINESS_MODULES_ENABLED=["ledger", "inventory"])
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        yield application
