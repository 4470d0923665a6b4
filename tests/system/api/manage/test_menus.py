"""``/system-manage/menus``: the menu table tree, writes, safe deletes, button sync, permission trees."""

from __future__ import annotations

from typing import Any

import pytest

from tests.system.api.manage.conftest import Caller

pytestmark = pytest.mark.usefixtures("seeded")


def menu(name: str, **extra: Any) -> dict[str, Any]:
    return {"menuName": name, "menuType": "2", "routeName": name, "routePath": f"/{name}", **extra}


def flatten(rows: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for row in rows:
        out.append(row["routeName"])
        out.extend(flatten(row.get("children", [])))
    return out


async def test_search_is_a_tree_filtered_by_include_flags(su: Caller) -> None:
    page = await su.ok("POST", "/menus/search", {"current": 3, "size": 7})
    assert (page["current"], page["size"]) == (3, 7)
    names = flatten(page["records"])
    assert "login" not in names and "user-center" not in names  # constant / hidden left out
    assert {"home", "manage", "manage_user"} <= set(names)
    assert page["total"] == len(names)
    manage = next(r for r in page["records"] if r["routeName"] == "manage")
    assert manage["parentId"] is None and manage["children"][0]["parentId"] == manage["id"]
    every = await su.ok("POST", "/menus/search", {"includeConstant": True, "includeHidden": True})
    assert {"login", "user-center"} <= set(flatten(every["records"]))
    row = next(r for r in every["records"] if r["routeName"] == "home")
    assert {"i18nKey", "menuType", "routePath", "component", "buttons", "statusType", "fmtCreatedAt"} <= row.keys()


async def test_create_update_get_round_trip(su: Caller) -> None:
    ids = await su.menu_ids()
    body = menu(
        "manage_demo",
        parentId=ids["manage"],
        icon="x.svg",
        iconType="2",
        i18nKey="route.manage_demo",
        routeParam=[{"key": "a", "value": "1"}],
        activeMenu="用户管理",
        order=7,
    )
    mid = (await su.ok("POST", "/menus", body))["createdId"]
    row = await su.ok("GET", f"/menus/{mid}")
    assert row["parentId"] == ids["manage"] and row["localIcon"] == "x.svg" and "icon" not in row
    assert row["i18nKey"] == "route.manage_demo" and row["routeParam"] == [{"key": "a", "value": "1"}]
    assert row["activeMenuId"] == ids["manage_user"] and row["activeMenu"] == "用户管理"
    await su.ok("PATCH", f"/menus/{mid}", {"parentId": None, "activeMenu": None, "href": None, "order": 2})
    row = await su.ok("GET", f"/menus/{mid}")
    assert (row["parentId"], row["activeMenuId"], row["order"]) == (None, None, 2)


async def test_write_codes(su: Caller) -> None:
    ids = await su.menu_ids()
    assert await su.code("POST", "/menus", menu("x", routeName="")) == "2607"
    assert await su.code("POST", "/menus", menu("x", routePath=" ")) == "2608"
    assert await su.code("POST", "/menus", menu("x", routePath="/home")) == "2305"
    assert await su.code("POST", "/menus", menu("home", routePath="/elsewhere")) == "2305"
    assert await su.code("POST", "/menus", {"menuName": "x", "routeName": "x", "routePath": "/x"}) == "1200"
    assert await su.code("POST", "/menus", menu("x", activeMenu="no such menu")) == "1101"
    assert await su.code("POST", "/menus", menu("x", order=2**31)) == "1200"
    mid = (await su.ok("POST", "/menus", menu("x", parentId=ids["manage"])))["createdId"]
    assert await su.code("PATCH", f"/menus/{mid}", {"routePath": "/home"}) == "2305"
    assert await su.code("PATCH", f"/menus/{mid}", {"routeName": "home"}) == "2305"
    assert await su.code("PATCH", f"/menus/{ids['manage']}", {"parentId": mid}) == "2313"
    assert await su.code("PATCH", f"/menus/{mid}", {"parentId": mid}) == "2313"
    assert await su.code("PATCH", f"/menus/{mid}", {"routePath": "/x", "routeName": "x"}) == "0000"


async def test_delete_rules(su: Caller) -> None:
    ids = await su.menu_ids()
    assert await su.code("DELETE", f"/menus/{ids['manage']}") == "2307"
    assert await su.code("DELETE", f"/menus/{ids['home']}") == "2308"  # every seeded role's home
    assert await su.code("DELETE", "/menus", {"ids": [ids["manage"]]}) == "2307"
    parent = (await su.ok("POST", "/menus", menu("p", menuType="1")))["createdId"]
    child = (await su.ok("POST", "/menus", menu("p_c", parentId=parent)))["createdId"]
    assert await su.code("DELETE", f"/menus/{parent}") == "2307"
    data = await su.ok("DELETE", "/menus", {"ids": [parent, child]})  # parent and child together
    assert data == {"deletedCount": 2, "deletedIds": [parent, child]}  # ascending ids
    assert await su.code("DELETE", f"/menus/{parent}") == "1101"


async def test_button_sync(su: Caller) -> None:
    buttons = [{"buttonCode": "B_A", "buttonDesc": "a"}, {"buttonCode": "B_B", "buttonDesc": "b"}]
    mid = (await su.ok("POST", "/menus", menu("x", byMenuButtons=buttons)))["createdId"]
    row = await su.ok("GET", f"/menus/{mid}")
    assert [b["buttonCode"] for b in row["buttons"]] == ["B_A", "B_B"]
    await su.ok("PATCH", f"/menus/{mid}", {"order": 3})  # absent byMenuButtons: untouched
    assert len((await su.ok("GET", f"/menus/{mid}"))["buttons"]) == 2
    await su.ok(
        "PATCH", f"/menus/{mid}", {"byMenuButtons": [{"buttonCode": "B_B", "buttonDesc": "bee"}, {"buttonCode": "B_C", "buttonDesc": "c"}]}
    )
    row = await su.ok("GET", f"/menus/{mid}")
    assert [(b["buttonCode"], b["buttonDesc"]) for b in row["buttons"]] == [("B_B", "bee"), ("B_C", "c")]
    tree = await su.ok("GET", "/menus/buttons/tree")
    assert [leaf["label"] for leaf in tree[0]["children"]] == ["bee", "c"]  # B_A deleted globally
    await su.ok("DELETE", f"/menus/{mid}")
    assert await su.ok("GET", "/menus/buttons/tree") == []


async def test_auth_tree_pages_and_hidden_reparenting(su: Caller) -> None:
    ids = await su.menu_ids()
    await su.ok("POST", "/menus", menu("manage_role-detail", parentId=ids["manage"], hideInMenu=True, routePath="/manage/role-detail/:id"))
    await su.ok("POST", "/menus", {"menuName": "empty", "menuType": "1", "routeName": "empty", "routePath": "/empty"})
    plain = await su.ok("GET", "/menus/tree")
    labels = [node["routeName"] for node in plain]
    assert "empty" not in labels and "user-center" not in labels and "login" not in labels
    manage = next(node for node in plain if node["routeName"] == "manage")
    assert manage["isParent"] and manage["resourceId"] is None
    role = next(node for node in manage["children"] if node["routeName"] == "manage_role")
    assert not role["isParent"] and role["resourceId"] == ids["manage_role"] and role["key"] == f"menu:{ids['manage_role']}"
    assert "manage_role-detail" not in [c["routeName"] for c in manage["children"]]
    hidden = await su.ok("GET", "/menus/tree", params={"includeHidden": "true"})
    manage = next(node for node in hidden if node["routeName"] == "manage")
    role = next(node for node in manage["children"] if node["routeName"] == "manage_role")
    assert role["isParent"] and role["resourceId"] is None
    assert [c["routeName"] for c in role["children"]] == ["manage_role-detail"]
    assert role["children"][0]["meta"] == {"hidden": True}
    pages = await su.ok("GET", "/menus/pages")
    assert {p["key"] for p in pages} >= {"首页", "系统管理", "empty"} and "login" not in {p["key"] for p in pages}
