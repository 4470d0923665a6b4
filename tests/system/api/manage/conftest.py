"""Helpers for the system-management API tests: an authenticated caller and shortcuts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.system.conftest import bearer, do_login

MANAGE = "/api/v1/system-manage"


class Caller:
    """One logged-in user talking to ``/api/v1/system-manage``; every call returns the envelope."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.token = token

    async def call(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> dict[str, Any]:
        url = path if path.startswith("/api/") else MANAGE + path
        response = await self.client.request(method, url, json=json, params=params, headers=bearer(self.token))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The ``data`` of a call that must succeed."""
        body = await self.call(method, path, json, params)
        assert body["code"] == "0000", body
        return body["data"]

    async def code(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> str:
        return str((await self.call(method, path, json, params))["code"])

    async def api_id(self, method: str, path: str) -> str:
        """Sqid of the catalogue row of ``(method, /api/v1/system-manage<path>)``."""
        page = await self.ok("POST", "/apis/search", {"apiPath": MANAGE + path, "apiMethod": method, "size": 1000})
        matches = [row["id"] for row in page["records"] if row["apiPath"] == MANAGE + path]
        assert len(matches) == 1, (method, path, page)
        return str(matches[0])

    async def menu_ids(self) -> dict[str, str]:
        """route name -> sqid of every menu."""
        page = await self.ok("POST", "/menus/search", {"includeConstant": True, "includeHidden": True, "includeBusiness": True})
        out: dict[str, str] = {}

        def walk(rows: list[dict[str, Any]]) -> None:
            for row in rows:
                out[row["routeName"]] = row["id"]
                walk(row.get("children", []))

        walk(page["records"])
        return out


@pytest.fixture
async def su(client: httpx.AsyncClient, super_token: str) -> Caller:
    """The super administrator (R_SUPER)."""
    return Caller(client, super_token)


async def login_as(client: httpx.AsyncClient, user_name: str, password: str = "123456") -> Caller:
    return Caller(client, await do_login(client, user_name, password))
