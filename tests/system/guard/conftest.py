"""Apps with the guard on, and clients that appear to come from a chosen address."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests import services
from tests.conftest import reset_database


@asynccontextmanager
async def guarded_app(app_factory: Callable[..., FastAPI], backend: services.Backend, **overrides: Any) -> AsyncIterator[FastAPI]:
    settings = {"GUARD_ENABLED": True, "GUARD_RATE_LIMIT": 5, "GUARD_RATE_LIMIT_WINDOW": 60, "GUARD_AUTO_BAN_THRESHOLD": 100}
    settings.update(overrides)
    app = app_factory(**settings)
    await reset_database(app, backend.name)
    async with app.router.lifespan_context(app):
        yield app


def client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")
