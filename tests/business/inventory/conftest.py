"""Fixtures for the inventory tests: the app with inventory enabled, and logged-in callers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests import services
from tests.conftest import reset_database

API = "/api/v1/business/inventory"
DEMO_PASSWORD = "Inventory@2024"


@dataclass
class Caller:
    """A logged-in user: ``await caller.post(path, json)`` returns the envelope as a dict."""

    client: httpx.AsyncClient
    token: str

    async def call(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = await self.client.request(method, API + path, json=json, headers=headers)
        assert response.status_code == 200
        return dict(response.json())

    async def get(self, path: str) -> dict[str, Any]:
        return await self.call("GET", path)

    async def post(self, path: str, json: Any = None) -> dict[str, Any]:
        return await self.call("POST", path, json)

    async def patch(self, path: str, json: Any = None) -> dict[str, Any]:
        return await self.call("PATCH", path, json)

    async def delete(self, path: str) -> dict[str, Any]:
        return await self.call("DELETE", path)


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend) -> AsyncIterator[FastAPI]:
    """The app with the inventory demo module enabled (it is off by default)."""
    application = app_factory(BUSINESS_MODULES_ENABLED=["inventory"])
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        yield application


async def login(client: httpx.AsyncClient, user_name: str, password: str = DEMO_PASSWORD) -> Caller:
    body = (await client.post("/api/v1/auth/login", json={"userName": user_name, "password": password})).json()
    assert body["code"] == "0000", body
    return Caller(client, str(body["data"]["token"]))


@pytest.fixture
async def clerk(client: httpx.AsyncClient) -> Caller:
    """``inv_clerk`` (R_INV_CLERK, data scope self): creates and edits own products."""
    return await login(client, "inv_clerk")


@pytest.fixture
async def manager(client: httpx.AsyncClient) -> Caller:
    """``inv_manager`` (R_INV_MANAGER, data scope scope): everything in the warehouses they manage."""
    return await login(client, "inv_manager")


@pytest.fixture
async def su(client: httpx.AsyncClient) -> Caller:
    """The seeded super administrator."""
    return await login(client, "Super", "123456")
