"""Small HTTP helpers for seeding through Trellis's own API."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(RuntimeError):
    pass


def call(client: httpx.Client, method: str, path: str, token: str | None = None, json: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = client.request(method, path, json=json, headers=headers)
    body = resp.json()
    if body.get("code") != "0000":
        raise ApiError(f"{method} {path} -> {body}")
    return body.get("data")


USERS = "/api/v1/system-manage/users"


def page_user(number: int) -> dict[str, Any]:
    """The body creating the ``number``-th extra user the searches page through (an R_USER)."""
    return {"userName": f"page{number:02d}", "password": "Bench-pass-1", "byUserRoleCodeList": ["R_USER"]}


def login(client: httpx.Client, user: str, password: str = "123456") -> str:
    data = call(client, "POST", "/api/v1/auth/login", json={"userName": user, "password": password})
    return str(data["token"])
