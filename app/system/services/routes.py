"""Frontend routes: the public constant routes and the caller's menu tree (spec api.md §6.3/§6.4)."""

from __future__ import annotations

from typing import Any

import orjson

from app.core.authz import Access, get_authz
from app.core.authz.keys import CONSTANT_ROUTES_KEY
from app.core.authz.writes import take_ticket, write_if_newer
from app.core.model import IconType, MenuType, StatusType
from app.system.models import Menu

_MENU_FIELDS = (
    "id",
    "parent_id",
    "menu_name",
    "menu_type",
    "route_name",
    "route_path",
    "component",
    "i18n_key",
    "order",
    "keep_alive",
    "icon",
    "icon_type",
    "href",
    "active_menu__route_name",
    "multi_tab",
    "fixed_index_in_tab",
    "route_param",
    "hide_in_menu",
    "constant",
    "redirect",
    "props",
)


async def build_constant_routes() -> list[dict[str, Any]]:
    """Constant and hidden menus as ``ElegantConstRoute`` items, from the database."""
    rows = (
        await Menu.filter(constant=True, hide_in_menu=True)
        .order_by("order", "id")
        .values("route_name", "route_path", "component", "menu_name", "i18n_key", "props")
    )
    out: list[dict[str, Any]] = []
    for row in rows:
        name = row["route_name"]
        item: dict[str, Any] = {
            "name": name,
            "path": row["route_path"],
            "component": row["component"],
            "meta": {"title": row["menu_name"], "i18nKey": row["i18n_key"] or f"route.{name}", "constant": True, "hideInMenu": True},
        }
        if row["props"]:
            item["props"] = True
        out.append(item)
    return out


async def constant_routes() -> list[dict[str, Any]]:
    """The cached constant routes (one Redis GET); rebuilt from the database when missing."""
    runtime = get_authz()

    async def read(redis: Any) -> Any:
        return await redis.get(CONSTANT_ROUTES_KEY)

    raw = await runtime.call("constant routes", read)
    if raw:
        routes: list[dict[str, Any]] = orjson.loads(raw)
        return routes
    # A ticket before the read, as the loaders take: a menu change racing this fill wins.
    ticket = None if runtime.redis_down else await runtime.call("constant routes", take_ticket)
    routes = await build_constant_routes()
    if ticket is not None:
        payload = orjson.dumps(routes).decode()

        async def write(redis: Any) -> Any:
            return await write_if_newer(redis, ticket, {CONSTANT_ROUTES_KEY: payload})

        await runtime.call("constant routes", write)
    return routes


async def _enabled_menus() -> list[dict[str, Any]]:
    return await Menu.filter(status_type=StatusType.enable).order_by("order", "id").values(*_MENU_FIELDS)


def _visible(rows: list[dict[str, Any]], access: Access) -> list[dict[str, Any]]:
    """Super: every enabled non-constant menu. Others: granted menus plus their enabled ancestors."""
    if access.is_super:
        return [row for row in rows if not row["constant"]]
    by_id = {int(row["id"]): row for row in rows}
    keep: set[int] = set()
    for menu_id in access.menu_ids:
        chain: list[int] = []
        current = by_id.get(menu_id)
        while current is not None:
            chain.append(int(current["id"]))
            parent = int(current["parent_id"] or 0)
            if parent == 0:
                keep.update(chain)
                break
            current = by_id.get(parent)  # a disabled or missing ancestor cuts the branch
    return [row for row in rows if int(row["id"]) in keep]


def _node(row: dict[str, Any]) -> dict[str, Any]:
    component = row["component"]
    meta: dict[str, Any] = {
        "title": row["menu_name"],
        "i18nKey": row["i18n_key"],
        "order": row["order"],
        "keepAlive": row["keep_alive"],
        "iconType": str(row["icon_type"]) if row["icon_type"] is not None else None,
        "href": row["href"],
        "activeMenu": row["active_menu__route_name"],
        "multiTab": row["multi_tab"],
        "fixedIndexInTab": row["fixed_index_in_tab"],
        "query": row["route_param"],
    }
    if row["icon_type"] == IconType.local:
        meta["localIcon"] = row["icon"]
    else:
        meta["icon"] = row["icon"]
    if component:
        meta["layout"] = component.split("$", 1)[0]
    if row["hide_in_menu"] and not row["constant"]:
        meta["hideInMenu"] = True
    node: dict[str, Any] = {"name": row["route_name"], "path": row["route_path"], "component": component, "meta": meta}
    if row["redirect"]:
        node["redirect"] = row["redirect"]
    return node


def _tree(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    children: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(int(row["parent_id"] or 0), []).append(row)

    def build(parent: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row in children.get(parent, []):
            node = _node(row)
            kids = build(int(row["id"]))
            if kids:
                node["children"] = kids
            elif row["menu_type"] == MenuType.catalog:
                continue  # a catalog without visible children is dropped
            out.append(node)
        return out

    return build(0)


async def user_routes(access: Access) -> dict[str, Any]:
    """``{home, routes}`` for the caller; enabled menus are memoised per worker until the epoch moves."""
    rows = await get_authz().memo("system:enabled_menus", _enabled_menus)
    return {"home": access.principal.home, "routes": _tree(_visible(rows, access))}


async def route_exists(name: str) -> bool:
    """True when an enabled menu has this route name."""
    return await Menu.filter(route_name=name, status_type=StatusType.enable).exists()
