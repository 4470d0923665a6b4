"""GET /route/constant-routes, /route/user-routes and /route/exists (api.md §2, §6.3, §6.4)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.core.authz.keys import CONSTANT_ROUTES_KEY
from app.core.model import MenuType, StatusType
from app.system.models import Menu, Role
from app.system.services.authz_loader import bump_epoch, load_constant_routes, refresh_all_cache
from tests.system.conftest import bearer, create_user, do_login


def names(routes: list[dict]) -> set[str]:
    out: set[str] = set()
    for route in routes:
        out.add(route["name"])
        out |= names(route.get("children", []))
    return out


async def test_constant_routes_are_public_and_shaped_for_the_frontend(app: FastAPI, client: httpx.AsyncClient, seeded: None) -> None:
    body = (await client.get("/api/v1/route/constant-routes")).json()
    assert body["code"] == "0000"
    login = next(r for r in body["data"] if r["name"] == "login")
    assert login["path"] == "/login" and login["component"] == "layout.blank$view.login" and login["props"] is True
    assert login["meta"] == {"title": "login", "i18nKey": "route.login", "constant": True, "hideInMenu": True}
    assert all("id" not in r for r in body["data"]) and "home" not in names(body["data"])
    assert await app.state.redis.get(CONSTANT_ROUTES_KEY) is not None


async def test_constant_routes_are_served_from_the_cache(app: FastAPI, client: httpx.AsyncClient, seeded: None) -> None:
    await load_constant_routes()
    await Menu.create(menu_name="x", menu_type=MenuType.menu, route_name="x", route_path="/x", constant=True, hide_in_menu=True)
    assert "x" not in names((await client.get("/api/v1/route/constant-routes")).json()["data"])
    await load_constant_routes()
    assert "x" in names((await client.get("/api/v1/route/constant-routes")).json()["data"])


async def test_user_routes_for_a_plain_user(client: httpx.AsyncClient, seeded: None) -> None:
    body = (await client.get("/api/v1/route/user-routes", headers=bearer(await do_login(client, "User")))).json()
    assert body["code"] == "0000"
    data = body["data"]
    assert data["home"] == "home"
    assert names(data["routes"]) == {"home", "user-center"}
    home = next(r for r in data["routes"] if r["name"] == "home")
    assert home["component"] == "layout.base$view.home" and "children" not in home and "redirect" not in home
    assert home["meta"]["layout"] == "layout.base" and home["meta"]["icon"] == "mdi:monitor-dashboard"
    assert set(home["meta"]) >= {
        "title",
        "i18nKey",
        "order",
        "keepAlive",
        "icon",
        "iconType",
        "href",
        "activeMenu",
        "multiTab",
        "fixedIndexInTab",
        "query",
    }
    center = next(r for r in data["routes"] if r["name"] == "user-center")
    assert center["meta"]["hideInMenu"] is True


async def test_user_routes_tree_and_disabled_ancestor_cuts_the_branch(client: httpx.AsyncClient, seeded: None) -> None:
    token = await do_login(client, "Admin")
    data = (await client.get("/api/v1/route/user-routes", headers=bearer(token))).json()["data"]
    manage = next(r for r in data["routes"] if r["name"] == "manage")
    assert "manage_user" in [c["name"] for c in manage["children"]]
    await Menu.filter(route_name="manage").update(status_type=StatusType.disable)
    await bump_epoch()
    data = (await client.get("/api/v1/route/user-routes", headers=bearer(token))).json()["data"]
    assert not {"manage", "manage_user"} & names(data["routes"])


async def test_catalog_without_children_is_dropped_and_home_follows_newest_role(client: httpx.AsyncClient, seeded: None) -> None:
    empty = await Menu.create(menu_name="empty", menu_type=MenuType.catalog, route_name="empty", route_path="/empty")
    center = await Menu.get(route_name="user-center")
    role = await Role.create(role_code="R_NEWER", role_name="newer", by_role_home=center)
    await role.by_role_menus.add(empty, center)
    await create_user("router", roles=("R_USER", "R_NEWER"))
    data = (await client.get("/api/v1/route/user-routes", headers=bearer(await do_login(client, "router")))).json()["data"]
    assert data["home"] == "user-center" and "empty" not in names(data["routes"])


async def test_super_sees_every_enabled_non_constant_menu(client: httpx.AsyncClient, seeded: None) -> None:
    await refresh_all_cache()
    data = (await client.get("/api/v1/route/user-routes", headers=bearer(await do_login(client, "Super")))).json()["data"]
    pages = set(await Menu.filter(constant=False, menu_type=MenuType.menu).values_list("route_name", flat=True))
    constant = set(await Menu.filter(constant=True).values_list("route_name", flat=True))
    assert pages <= names(data["routes"]) and not constant & names(data["routes"])


async def test_route_exists(client: httpx.AsyncClient, seeded: None) -> None:
    token = await do_login(client, "User")
    assert (await client.get("/api/v1/route/exists?name=home", headers=bearer(token))).json()["data"] is True
    assert (await client.get("/api/v1/route/exists?name=nope", headers=bearer(token))).json()["data"] is False
    await Menu.filter(route_name="home").update(status_type=StatusType.disable)
    assert (await client.get("/api/v1/route/exists?name=home", headers=bearer(token))).json()["data"] is False
    assert (await client.get("/api/v1/route/exists?name=home")).json()["code"] == "2100"
    assert (await client.get("/api/v1/route/exists", headers=bearer(token))).json()["code"] == "1200"
