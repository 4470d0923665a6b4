"""Data scope: most permissive wins across enabled roles; filters per scope; the caller's scope over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from tortoise.expressions import Q

from app.core.data_scope import build_scope_filter, register_custom_scope_resolver, resolve_data_scope
from app.core.model import DataScopeType, StatusType
from app.system.models import Menu, Role, User
from tests import services
from tests.core.probe_routes import PREFIX, started_probe_app
from tests.system.conftest import bearer, create_user, do_login, ensure_fixture_rbac


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ([], "self"),
        (["self"], "self"),
        (["custom", "self"], "custom"),
        (["self", "scope", "custom"], "scope"),
        (["scope", "all", "self"], "all"),
        (["bogus"], "self"),
    ],
)
def test_most_permissive_scope_wins(scopes: list[str], expected: str) -> None:
    assert resolve_data_scope(scopes) == expected


def test_super_is_always_all() -> None:
    assert resolve_data_scope(["self"], is_super=True) is DataScopeType.all


def test_filters_per_scope() -> None:
    everything = build_scope_filter("all", 7, 3)
    assert everything.filters == {} and everything.children == ()
    assert build_scope_filter("scope", 7, 3, scope_id_field="dept_id").filters == {"dept_id": 3}
    assert build_scope_filter("scope", 7, None, user_id_field="owner_id").filters == {"owner_id": 7}
    assert build_scope_filter("self", 7, 3).filters == {"user_id": 7}
    assert build_scope_filter("custom", 7, 3).filters == {"user_id": 7}
    register_custom_scope_resolver(lambda uid, sid: Q(user_id=uid) | Q(team_id=sid))
    try:
        assert build_scope_filter("custom", 7, 3).join_type == "OR"
    finally:
        register_custom_scope_resolver(None)


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend) -> AsyncIterator[FastAPI]:
    async for application in started_probe_app(app_factory, backend):
        await ensure_fixture_rbac()
        yield application


async def test_scope_filter_without_a_user_matches_nothing(client: httpx.AsyncClient) -> None:
    assert await User.all().count() > 0
    assert await User.filter(build_scope_filter("self", None, user_id_field="id")).count() == 0
    assert await User.filter(build_scope_filter("all", None, user_id_field="id")).count() == await User.all().count()
    me = await User.get(user_name="User")
    assert await User.filter(build_scope_filter("self", me.id, user_id_field="id")).values_list("user_name", flat=True) == ["User"]


async def scope_of(client: httpx.AsyncClient, user_name: str) -> str:
    body = (await client.get(f"{PREFIX}/whoami", headers=bearer(await do_login(client, user_name)))).json()
    return str(body["data"]["scope"])


async def test_callers_scope_over_http(client: httpx.AsyncClient) -> None:
    home = await Menu.get(route_name="home")
    for code, scope, status in (
        ("R_S", "scope", StatusType.enable),
        ("R_C", "custom", StatusType.enable),
        ("R_A", "all", StatusType.disable),
    ):
        await Role.create(role_code=code, role_name=code, by_role_home=home, data_scope=scope, status_type=status)
    await create_user("selfish", roles=("R_USER",))
    await create_user("mixed", roles=("R_USER", "R_C", "R_S"))
    await create_user("disabled_all", roles=("R_USER", "R_A"))
    await create_user("nobody_roles")
    assert await scope_of(client, "selfish") == "self"
    assert await scope_of(client, "mixed") == "scope"
    assert await scope_of(client, "disabled_all") == "self"  # a disabled role grants nothing
    assert await scope_of(client, "nobody_roles") == "self"
    assert await scope_of(client, "Super") == "all"
