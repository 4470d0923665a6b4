"""The user list is served from the page cache until a write — any write, anywhere — happens."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tortoise import connections

from app.core.authz.keys import DATA_VERSION_KEY
from app.core.database import SYSTEM_CONNECTION
from app.core.write_tracking import set_listener
from app.system.models import User
from tests.system.api.manage.conftest import Caller, login_as
from tests.system.api.manage.query_counter import count_queries

pytestmark = pytest.mark.usefixtures("seeded")

PAGE = {"current": 1, "size": 10, "userName": "page"}


async def page_of(su: Caller) -> dict[str, Any]:
    data: dict[str, Any] = await su.ok("POST", "/users/search", PAGE)
    return data


async def nick_names(su: Caller) -> list[str]:
    return [row["nickName"] for row in (await page_of(su))["records"]]


async def make_page(su: Caller) -> None:
    for name in ("page-a", "page-b"):
        await su.ok("POST", "/users", {"userName": name, "password": "secret-pw", "byUserRoleCodeList": ["R_USER"]})


async def test_a_repeated_search_runs_no_query(su: Caller) -> None:
    await make_page(su)
    first = await page_of(su)
    with count_queries() as counter:
        again = await page_of(su)
    assert again == first and first["total"] == 2
    assert counter.count == 0


async def test_every_write_through_the_api_shows_on_the_next_search(su: Caller) -> None:
    await make_page(su)
    assert await nick_names(su) == ["page-a", "page-b"]
    created = await su.ok("POST", "/users", {"userName": "page-c", "password": "secret-pw", "byUserRoleCodeList": ["R_USER"]})
    assert await nick_names(su) == ["page-a", "page-b", "page-c"]
    await su.ok("PATCH", f"/users/{created['createdId']}", {"nickName": "renamed", "byUserRoleCodeList": ["R_USER"]})
    assert await nick_names(su) == ["page-a", "page-b", "renamed"]
    await su.ok("DELETE", f"/users/{created['createdId']}")
    assert await nick_names(su) == ["page-a", "page-b"]


async def test_a_write_made_outside_any_request_shows_on_the_next_search(su: Caller) -> None:
    await make_page(su)
    await page_of(su)
    await User.filter(user_name="page-a").update(nick_name="by the ORM")
    assert await nick_names(su) == ["by the ORM", "page-b"]
    await connections.get(SYSTEM_CONNECTION).execute_query("UPDATE users SET nick_name = 'by SQL' WHERE user_name = 'page-b'")
    assert await nick_names(su) == ["by the ORM", "by SQL"]


async def test_a_new_data_version_from_another_process_invalidates_this_workers_pages(app: FastAPI, su: Caller) -> None:
    await make_page(su)
    await page_of(su)
    previous = set_listener(None)  # this worker does not notice the next write: as if another process made it
    try:
        await User.filter(user_name="page-a").update(nick_name="elsewhere")
    finally:
        set_listener(previous)
    assert await nick_names(su) == ["page-a", "page-b"]  # proves the page came from the cache
    await app.state.redis.set(DATA_VERSION_KEY, "token-of-the-other-process")
    assert await nick_names(su) == ["elsewhere", "page-b"]


async def test_without_a_data_version_nothing_is_served_from_the_cache(app: FastAPI, su: Caller) -> None:
    await make_page(su)
    await page_of(su)
    await app.state.redis.delete(DATA_VERSION_KEY)  # e.g. Redis restarted without persistence
    with count_queries() as counter:
        await page_of(su)
    assert counter.count > 0
    assert await app.state.redis.get(DATA_VERSION_KEY) is not None  # a new token was seeded


async def test_a_cached_page_still_needs_the_permission(client: httpx.AsyncClient, su: Caller) -> None:
    await make_page(su)
    await page_of(su)
    user = await login_as(client, "User")
    assert await user.code("POST", "/users/search", PAGE) == "2201"
