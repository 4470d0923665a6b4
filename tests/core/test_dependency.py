"""DependPermission, require_buttons/require_roles and the context helpers, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from app.core.model import StatusType
from app.system.models import Api, Button, Menu, Role, User
from app.system.services.authz_loader import load_role_permissions, refresh_all_cache
from tests import services
from tests.core.probe_routes import BATCH_PATH, ITEM_TEMPLATE, PREFIX, started_probe_app
from tests.system.conftest import bearer, create_user, do_login, ensure_fixture_rbac


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend) -> AsyncIterator[FastAPI]:
    async for application in started_probe_app(app_factory, backend):
        await ensure_fixture_rbac()
        yield application


async def make_role(
    code: str, *, apis: list[tuple[str, str, StatusType]] = (), buttons: tuple[str, ...] = (), status: StatusType = StatusType.enable
) -> Role:
    home = await Menu.get(route_name="home")
    role = await Role.create(role_code=code, role_name=code, by_role_home=home, status_type=status)
    for method, path, api_status in apis:
        api, _ = await Api.get_or_create(api_method=method, api_path=path, defaults={"status_type": api_status})
        if api.status_type != api_status:  # start-up reconciliation may have catalogued the route already
            api.status_type = api_status
            await api.save(update_fields=["status_type"])
        await role.by_role_apis.add(api)
    for code_ in buttons:
        button, _ = await Button.get_or_create(button_code=code_, defaults={"button_desc": code_})
        await role.by_role_buttons.add(button)
    return role


async def code(client: httpx.AsyncClient, method: str, path: str, token: str) -> str:
    return str((await client.request(method, path, headers=bearer(token))).json()["code"])


async def test_user_without_enabled_roles_gets_2207(client: httpx.AsyncClient) -> None:
    await make_role("R_OFF", apis=[("get", ITEM_TEMPLATE, StatusType.enable)], status=StatusType.disable)
    await create_user("lonely", roles=("R_OFF",))
    token = await do_login(client, "lonely")
    assert await code(client, "GET", f"{PREFIX}/items/abc", token) == "2207"


async def test_template_grant_matches_any_id_but_not_sibling_literal_routes(client: httpx.AsyncClient) -> None:
    await make_role("R_ITEMS", apis=[("get", ITEM_TEMPLATE, StatusType.enable)])
    await create_user("picker", roles=("R_ITEMS",))
    token = await do_login(client, "picker")
    assert await code(client, "GET", f"{PREFIX}/items/Yc7vN3kE", token) == "0000"
    assert await code(client, "POST", BATCH_PATH, token) == "2201"


async def test_granted_but_disabled_api_is_2200(client: httpx.AsyncClient) -> None:
    await make_role("R_D1", apis=[("get", ITEM_TEMPLATE, StatusType.disable)])
    await create_user("blocked", roles=("R_D1",))
    token = await do_login(client, "blocked")
    assert await code(client, "GET", f"{PREFIX}/items/x", token) == "2200"


async def test_super_passes_everything_and_r_user_gets_2201(client: httpx.AsyncClient) -> None:
    super_token = await do_login(client, "Super")
    user_token = await do_login(client, "User")
    for method, path in (("GET", f"{PREFIX}/items/1"), ("POST", BATCH_PATH)):
        assert await code(client, method, path, super_token) == "0000"
        assert await code(client, method, path, user_token) == "2201"


async def test_grant_changes_apply_on_the_next_request(client: httpx.AsyncClient) -> None:
    role = await make_role("R_LIVE", apis=[("post", BATCH_PATH, StatusType.enable)])
    await create_user("live", roles=("R_LIVE",))
    token = await do_login(client, "live")
    assert await code(client, "POST", BATCH_PATH, token) == "0000"
    await role.by_role_apis.clear()
    await load_role_permissions("R_LIVE")
    assert await code(client, "POST", BATCH_PATH, token) == "2201"
    await Api.filter(api_path=BATCH_PATH).update(status_type=StatusType.disable)
    await role.by_role_apis.add(await Api.get(api_path=BATCH_PATH))
    await load_role_permissions("R_LIVE")
    assert await code(client, "POST", BATCH_PATH, token) == "2200"
    await Role.filter(id=role.id).update(status_type=StatusType.disable)
    await refresh_all_cache()
    assert await code(client, "POST", BATCH_PATH, token) == "2207"


async def test_require_buttons(client: httpx.AsyncClient) -> None:
    await make_role("R_BA", buttons=("B_A",))
    await make_role("R_BB", buttons=("B_A", "B_B"))
    await create_user("one", roles=("R_BA",))
    await create_user("both", roles=("R_BB",))
    await create_user("none", roles=("R_USER",))
    one, both, none = [await do_login(client, n) for n in ("one", "both", "none")]
    assert await code(client, "GET", f"{PREFIX}/buttons/any", one) == "0000"
    assert await code(client, "GET", f"{PREFIX}/buttons/all", one) == "2202"
    assert await code(client, "GET", f"{PREFIX}/buttons/all", both) == "0000"
    assert await code(client, "GET", f"{PREFIX}/buttons/any", none) == "2203"
    assert await code(client, "GET", f"{PREFIX}/buttons/all", await do_login(client, "Super")) == "0000"


async def test_require_roles_counts_only_enabled_roles(client: httpx.AsyncClient) -> None:
    await make_role("R_X")
    await make_role("R_Y", status=StatusType.disable)
    await create_user("x", roles=("R_X",))
    await create_user("xy", roles=("R_X", "R_Y"))
    await create_user("y", roles=("R_Y",))
    x, xy, y = [await do_login(client, n) for n in ("x", "xy", "y")]
    assert await code(client, "GET", f"{PREFIX}/roles/any", x) == "0000"
    assert await code(client, "GET", f"{PREFIX}/roles/all", xy) == "2204"
    assert await code(client, "GET", f"{PREFIX}/roles/any", y) == "2205"
    await Role.filter(role_code="R_Y").update(status_type=StatusType.enable)
    await refresh_all_cache()
    assert await code(client, "GET", f"{PREFIX}/roles/all", xy) == "0000"


async def test_context_helpers(client: httpx.AsyncClient) -> None:
    await make_role("R_BTN", buttons=("B_A",))
    user = await create_user("ctx", roles=("R_USER", "R_BTN"))
    data = (await client.get(f"{PREFIX}/whoami", headers=bearer(await do_login(client, "ctx")))).json()["data"]
    assert data == {"userId": user.id, "userName": "ctx", "scope": "all", "super": False, "hasUser": True, "hasButtonA": True}
    sup = (await client.get(f"{PREFIX}/whoami", headers=bearer(await do_login(client, "Super")))).json()["data"]
    assert sup["super"] is True and sup["hasButtonA"] is True and sup["scope"] == "all"
    assert (await User.get(user_name="ctx")).id == data["userId"]
