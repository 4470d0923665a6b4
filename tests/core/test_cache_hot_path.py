"""The hot path: a warm authenticated, permission-checked request costs one Redis command and no query.

Measured server-side on a private Redis (INFO commandstats deltas) and on the
ORM connection (wrapped execute methods), then revocations are checked to
take effect on the very next request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from app.core.model import StatusType
from app.system.models import Api, Menu, Role, User
from app.system.services.authz_loader import load_role_permissions, touch_user
from app.system.services.session import invalidate_user_session
from tests import services
from tests.core.probe_routes import ITEM_TEMPLATE, PREFIX, started_probe_app
from tests.core.redis_process import QueryCounter, RedisProcess
from tests.system.conftest import bearer, create_user, do_login, ensure_fixture_rbac

N = 25


@pytest.fixture
async def app(
    request: pytest.FixtureRequest, app_factory: Callable[..., FastAPI], backend: services.Backend, private_redis: RedisProcess
) -> AsyncIterator[FastAPI]:
    # Parametrised with True: the rate limiter is on, with a budget its leases cover (app/core/guard.py).
    guard = {"GUARD_ENABLED": True, "GUARD_RATE_LIMIT": 100_000} if getattr(request, "param", False) else {}
    async for application in started_probe_app(app_factory, backend, REDIS_URL=private_redis.url, **guard):
        await ensure_fixture_rbac()
        yield application


async def grant_items(code: str) -> Role:
    role = await Role.create(role_code=code, role_name=code, by_role_home=await Menu.get(route_name="home"))
    api, _ = await Api.get_or_create(api_method="get", api_path=ITEM_TEMPLATE)
    await role.by_role_apis.add(api)
    await load_role_permissions(code)
    return role


async def metered(client: httpx.AsyncClient, redis: RedisProcess, requests: list[tuple[str, str]]) -> tuple[int, int, list[str]]:
    counter = QueryCounter()
    before = redis.command_calls()
    try:
        codes = [str((await client.get(path, headers=bearer(token))).json()["code"]) for path, token in requests]
    finally:
        counter.close()
    return redis.command_calls() - before, counter.count, codes


async def test_counters_see_a_cold_request(client: httpx.AsyncClient, private_redis: RedisProcess) -> None:
    """The meters are honest: the first request after an epoch bump does hit the database."""
    await grant_items("R_ITEMS")
    await create_user("hot", roles=("R_ITEMS",))
    token = await do_login(client, "hot")
    commands, queries, codes = await metered(client, private_redis, [(f"{PREFIX}/items/a", token)])
    assert codes == ["0000"] and commands >= 1 and queries >= 1


@pytest.mark.parametrize("app", [False, True], ids=["guard-off", "guard-on"], indirect=True)
async def test_steady_state_costs_one_redis_command_and_no_query(client: httpx.AsyncClient, private_redis: RedisProcess) -> None:
    await grant_items("R_ITEMS")
    await create_user("hot", roles=("R_ITEMS",))
    token = await do_login(client, "hot")
    super_token = await do_login(client, "Super")
    warm = [(f"{PREFIX}/items/a", token), ("/api/v1/auth/user-info", token), ("/api/v1/auth/user-info", super_token)]
    await metered(client, private_redis, warm)
    requests = [(f"{PREFIX}/items/{i}", token) for i in range(N)]
    requests += [("/api/v1/auth/user-info", token)] * N + [("/api/v1/auth/user-info", super_token)] * N
    commands, queries, codes = await metered(client, private_redis, requests)
    assert set(codes) == {"0000"}
    assert commands == len(requests), f"{commands} Redis commands for {len(requests)} requests"
    assert queries == 0


async def test_revocations_apply_on_the_very_next_request(client: httpx.AsyncClient, private_redis: RedisProcess) -> None:
    role = await grant_items("R_ITEMS")
    user = await create_user("hot", roles=("R_ITEMS",))
    token = await do_login(client, "hot")
    path = f"{PREFIX}/items/a"
    assert (await metered(client, private_redis, [(path, token)] * 2))[2] == ["0000", "0000"]

    await role.by_role_apis.clear()
    await load_role_permissions("R_ITEMS")
    assert (await metered(client, private_redis, [(path, token)]))[2] == ["2201"]

    await role.by_role_apis.add(await Api.get(api_path=ITEM_TEMPLATE))
    await load_role_permissions("R_ITEMS")
    assert (await metered(client, private_redis, [(path, token)]))[2] == ["0000"]

    await User.filter(id=user.id).update(status_type=StatusType.disable)
    await touch_user(user.id)
    assert (await metered(client, private_redis, [(path, token)]))[2] == ["2102"]

    await User.filter(id=user.id).update(status_type=StatusType.enable)
    await invalidate_user_session(user.id)
    assert (await metered(client, private_redis, [(path, token)]))[2] == ["2106"]
