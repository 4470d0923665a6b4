"""Redis outage: authentication, permissions, data scope and routes keep answering from the database.

The test runs its own Redis, stops it mid-test, revokes access while it is
down, restarts it (empty, as after a crash without persistence) and checks
that every answer stays correct throughout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from loguru import logger

from app.core.authz.keys import DATA_VERSION_KEY, EPOCH_KEY, token_version_key
from app.system.models import Api, Menu, Role, User
from app.system.services.authz_loader import load_role_permissions
from tests import services
from tests.core.probe_routes import ITEM_TEMPLATE, PREFIX, started_probe_app
from tests.core.redis_process import RedisProcess
from tests.system.conftest import bearer, create_user, do_login, ensure_fixture_rbac


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend, private_redis: RedisProcess) -> AsyncIterator[FastAPI]:
    async for application in started_probe_app(app_factory, backend, REDIS_URL=private_redis.url, REDIS_SOCKET_TIMEOUT=0.5):
        await ensure_fixture_rbac()
        yield application


async def answers(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    async def code(method: str, path: str) -> str:
        return str((await client.request(method, path, headers=bearer(token))).json()["code"])

    return {
        "info": await code("GET", "/api/v1/auth/user-info"),
        "item": await code("GET", f"{PREFIX}/items/a"),
        "routes": await code("GET", "/api/v1/route/user-routes"),
        "exists": await code("GET", "/api/v1/route/exists?name=home"),
    }


async def test_requests_stay_correct_through_an_outage(app: FastAPI, client: httpx.AsyncClient, private_redis: RedisProcess) -> None:
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(str(m)), level="WARNING", filter=lambda r: "Redis unreachable" in r["message"])
    home = await Menu.get(route_name="home")
    role = await Role.create(role_code="R_ITEMS", role_name="items", by_role_home=home, data_scope="self")
    await role.by_role_menus.add(home)
    await role.by_role_apis.add((await Api.get_or_create(api_method="get", api_path=ITEM_TEMPLATE))[0])
    await create_user("worker", roles=("R_ITEMS",))
    await create_user("victim", roles=("R_ITEMS",))
    worker, victim = await do_login(client, "worker"), await do_login(client, "victim")
    ok = {"info": "0000", "item": "0000", "routes": "0000", "exists": "0000"}
    assert await answers(client, worker) == ok

    private_redis.stop()
    try:
        for _ in range(5):
            assert await answers(client, worker) == ok
        whoami = (await client.get(f"{PREFIX}/whoami", headers=bearer(worker))).json()["data"]
        assert whoami["scope"] == "self"
        constant = (await client.get("/api/v1/route/constant-routes")).json()
        assert constant["code"] == "0000" and any(r["name"] == "login" for r in constant["data"])
        routes = (await client.get("/api/v1/route/user-routes", headers=bearer(worker))).json()["data"]
        assert routes["home"] == "home" and any(r["name"] == "home" for r in routes["routes"])
        assert await do_login(client, "worker")

        # Revocations while Redis is down hold on the very next request.
        changed = await client.patch(
            "/api/v1/auth/password", headers=bearer(victim), json={"oldPassword": "123456", "newPassword": "654321"}
        )
        assert changed.json()["code"] == "0000"
        assert (await answers(client, victim))["info"] == "2106"
        await role.by_role_apis.clear()
        await load_role_permissions("R_ITEMS")
        assert (await answers(client, worker))["item"] == "2201"
        assert len(warnings) == 1, warnings  # rate-limited
    finally:
        private_redis.start()

    await asyncio.sleep(1.2)  # the back-off before Redis is tried again
    after = await answers(client, worker)
    assert after == {**ok, "item": "2201"}
    assert (await answers(client, victim))["info"] == "2106"
    fresh = await do_login(client, "victim", "654321")
    assert (await answers(client, fresh))["info"] == "0000"
    for _ in range(50):  # one process resynchronises the emptied Redis from the database
        if private_redis.client().get(EPOCH_KEY) is not None:
            break
        await asyncio.sleep(0.1)
    victim_id = (await User.get(user_name="victim")).id
    assert private_redis.client().get(token_version_key(victim_id)) == "1"
    logger.remove(sink)


async def test_a_write_during_an_outage_replaces_the_data_version_once_redis_returns(
    app: FastAPI, client: httpx.AsyncClient, private_redis: RedisProcess
) -> None:
    token = await do_login(client, "Super")
    page = {"userName": "Super", "size": 10}

    async def nick() -> str:
        body = (await client.post("/api/v1/system-manage/users/search", json=page, headers=bearer(token))).json()
        return str(body["data"]["records"][0]["nickName"])

    before = await nick()
    old_version = private_redis.client().get(DATA_VERSION_KEY)
    assert old_version is not None
    private_redis.stop()
    try:
        await User.filter(user_name="Super").update(nick_name="written while Redis was down")
        assert app.state.authz.pages.pending_bump
        assert await nick() == "written while Redis was down"
    finally:
        private_redis.start()
    private_redis.client().set(DATA_VERSION_KEY, old_version)  # as if Redis had kept its data
    for _ in range(50):  # the worker keeps retrying until the token is replaced
        if private_redis.client().get(DATA_VERSION_KEY) != old_version:
            break
        await asyncio.sleep(0.1)
    assert private_redis.client().get(DATA_VERSION_KEY) != old_version
    assert not app.state.authz.pages.pending_bump
    assert before != "written while Redis was down"
    await asyncio.sleep(1.2)  # the back-off before Redis is tried again by requests
    assert await nick() == "written while Redis was down"
