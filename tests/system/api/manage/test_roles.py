"""``/system-manage/roles``: paging, filters, codes, the protected super role, menus/buttons/APIs of a role."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.sqids import encode_id
from tests.system.api.manage.conftest import Caller, login_as

pytestmark = pytest.mark.usefixtures("seeded")


async def new_role(su: Caller, code: str, name: str | None = None, **extra: Any) -> str:
    home = (await su.menu_ids())["home"]
    body = {"roleName": name or code.lower(), "roleCode": code, "byRoleHomeId": home, **extra}
    return str((await su.ok("POST", "/roles", body))["createdId"])


async def role_codes(su: Caller, body: dict[str, Any]) -> list[str]:
    page = await su.ok("POST", "/roles/search", {"size": 100, **body})
    return [row["roleCode"] for row in page["records"]]


async def test_record_shape_get_and_paging(su: Caller) -> None:
    rid = await new_role(su, "R_EDITOR", "编辑", roleDesc="edits", dataScope="self")
    row = await su.ok("GET", f"/roles/{rid}")
    assert {k: row[k] for k in ("roleName", "roleCode", "roleDesc", "dataScope", "statusType")} == {
        "roleName": "编辑",
        "roleCode": "R_EDITOR",
        "roleDesc": "edits",
        "dataScope": "self",
        "statusType": "1",
    }
    assert row["byRoleHomeId"] == (await su.menu_ids())["home"]
    page = await su.ok("POST", "/roles/search", {"current": 2, "size": 3})
    assert page["total"] == 4 and [r["roleCode"] for r in page["records"]] == ["R_EDITOR"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"roleCode": "ADM"}, ["R_ADMIN"]),
        ({"roleName": "管理员"}, ["R_SUPER", "R_ADMIN"]),
        ({"statusType": "2"}, ["R_OFF"]),
        ({"roleCode": "R_", "statusType": "1"}, ["R_SUPER", "R_ADMIN", "R_USER"]),
        ({"orderBy": ["-roleCode"]}, ["R_USER", "R_SUPER", "R_OFF", "R_ADMIN"]),
    ],
)
async def test_filters_and_order(su: Caller, body: dict[str, Any], expected: list[str]) -> None:
    await new_role(su, "R_OFF", "off", statusType="2")
    assert await role_codes(su, body) == expected


@pytest.mark.parametrize("body", [{"size": 0}, {"orderBy": ["nope"]}, {"orderBy": ["-x y"]}, {"current": -1}])
async def test_bad_paging_or_order_is_1200(su: Caller, body: dict[str, Any]) -> None:
    assert await su.code("POST", "/roles/search", body) == "1200"


async def test_create_codes(su: Caller) -> None:
    home = (await su.menu_ids())["home"]
    assert await su.code("POST", "/roles", {"roleName": " ", "roleCode": "R_X", "byRoleHomeId": home}) == "2605"
    assert await su.code("POST", "/roles", {"roleName": "x", "roleCode": "", "byRoleHomeId": home}) == "2606"
    assert await su.code("POST", "/roles", {"roleName": "x", "roleCode": "R_X", "byRoleHomeId": 0}) == "2600"
    assert await su.code("POST", "/roles", {"roleName": "x", "roleCode": "R_X"}) == "2600"
    assert await su.code("POST", "/roles", {"roleName": "x", "roleCode": "R_ADMIN", "byRoleHomeId": home}) == "2301"
    assert await su.code("POST", "/roles", {"roleName": "管理员", "roleCode": "R_X", "byRoleHomeId": home}) == "2309"
    assert await su.code("POST", "/roles", {"roleName": "x", "roleCode": "R_X", "byRoleHomeId": "zzzzzzzzzz"}) == "1200"
    assert await su.code("POST", "/roles", {"roleName": "x" * 21, "roleCode": "R_X", "byRoleHomeId": home}) == "1200"
    assert await su.code("POST", "/roles", {"roleName": "x", "roleCode": "R_X", "byRoleHomeId": home, "dataScope": "world"}) == "1200"


async def test_update_codes(su: Caller) -> None:
    rid = await new_role(su, "R_X", "x")
    assert await su.code("PATCH", f"/roles/{rid}", {"roleCode": "R_ADMIN"}) == "2301"
    assert await su.code("PATCH", f"/roles/{rid}", {"roleName": "管理员"}) == "2309"
    assert await su.code("PATCH", f"/roles/{rid}", {"roleName": "x", "roleCode": "R_X"}) == "0000"
    assert await su.code("PATCH", f"/roles/{rid}", {"roleDesc": None, "roleName": "y"}) == "0000"
    assert (await su.ok("GET", f"/roles/{rid}"))["roleName"] == "y"


async def test_super_role_is_protected(su: Caller) -> None:
    ids = {r["roleCode"]: r["id"] for r in (await su.ok("POST", "/roles/search", {"size": 100}))["records"]}
    sup = ids["R_SUPER"]
    assert await su.code("DELETE", f"/roles/{sup}") == "2312"
    assert await su.code("DELETE", "/roles", {"ids": [sup, ids["R_USER"]]}) == "2312"
    assert await su.code("PATCH", f"/roles/{sup}", {"statusType": "2"}) == "2312"
    assert await su.code("PATCH", f"/roles/{sup}", {"roleCode": "R_GOD"}) == "2312"
    assert await su.code("PATCH", f"/roles/{sup}", {"roleDesc": "root"}) == "0000"
    assert "R_USER" in await role_codes(su, {})


async def test_role_menus_link_ancestors_and_read_back_leaves(su: Caller) -> None:
    menus = await su.menu_ids()
    rid = await new_role(su, "R_X")
    data = await su.ok("PATCH", f"/roles/{rid}/menus", {"byRoleHomeId": menus["home"], "byRoleMenuIds": [menus["manage_user"]]})
    assert set(data["byRoleMenuIds"]) == {menus["home"], menus["manage_user"]}
    back = await su.ok("GET", f"/roles/{rid}/menus")
    assert back["byRoleHomeId"] == menus["home"]
    assert set(back["byRoleMenuIds"]) == {menus["home"], menus["manage_user"]}  # "manage" is linked but not a leaf
    assert await su.code("PATCH", f"/roles/{rid}/menus", {"byRoleHomeId": menus["home"], "byRoleMenuIds": ["zzzzzzzzzz"]}) == "1200"
    await su.ok("DELETE", f"/menus/{menus['manage_user']}")  # delete a linked leaf
    assert set((await su.ok("GET", f"/roles/{rid}/menus"))["byRoleMenuIds"]) == {menus["home"], menus["manage"]}


async def test_role_menus_need_a_home_and_known_menus(su: Caller) -> None:
    menus = await su.menu_ids()
    rid = await new_role(su, "R_X")
    assert await su.code("PATCH", f"/roles/{rid}/menus", {"byRoleMenuIds": [menus["home"]]}) == "2600"
    missing = (await su.ok("POST", "/menus", {"menuName": "t", "menuType": "2", "routeName": "t", "routePath": "/t"}))["createdId"]
    await su.ok("DELETE", f"/menus/{missing}")
    assert await su.code("PATCH", f"/roles/{rid}/menus", {"byRoleHomeId": menus["home"], "byRoleMenuIds": [missing]}) == "1101"


async def test_super_role_owns_every_menu_button_and_api(su: Caller) -> None:
    sup = next(r["id"] for r in (await su.ok("POST", "/roles/search", {"roleCode": "R_SUPER"}))["records"])
    menus = await su.menu_ids()
    leaves = set((await su.ok("GET", f"/roles/{sup}/menus"))["byRoleMenuIds"])
    assert menus["login"] not in leaves and {menus["home"], menus["manage_user"]} <= leaves
    await su.ok(
        "POST",
        "/menus",
        {
            "menuName": "b",
            "menuType": "2",
            "routeName": "b",
            "routePath": "/b",
            "byMenuButtons": [{"buttonCode": "B_1", "buttonDesc": "one"}],
        },
    )
    assert len((await su.ok("GET", f"/roles/{sup}/buttons"))["byRoleButtonIds"]) == 1
    apis = (await su.ok("GET", f"/roles/{sup}/apis"))["byRoleApiIds"]
    assert len(apis) == (await su.ok("POST", "/apis/search", {"size": 1}))["total"] > 0


async def test_role_buttons_and_apis_replace_null_untouched_unknown_1101(su: Caller) -> None:
    rid = await new_role(su, "R_X")
    two = [{"buttonCode": "B_1", "buttonDesc": "one"}, {"buttonCode": "B_2", "buttonDesc": "two"}]
    await su.ok("POST", "/menus", {"menuName": "b", "menuType": "2", "routeName": "b", "routePath": "/b", "byMenuButtons": two})
    tree = await su.ok("GET", "/menus/buttons/tree")
    buttons = [leaf["resourceId"] for leaf in tree[0]["children"]]
    assert set((await su.ok("PATCH", f"/roles/{rid}/buttons", {"byRoleButtonIds": buttons}))["byRoleButtonIds"]) == set(buttons)
    assert set((await su.ok("GET", f"/roles/{rid}/buttons"))["byRoleButtonIds"]) == set(buttons)
    assert await su.ok("PATCH", f"/roles/{rid}/buttons", {"byRoleButtonIds": None}) == {"byRoleButtonIds": []}
    assert set((await su.ok("GET", f"/roles/{rid}/buttons"))["byRoleButtonIds"]) == set(buttons)
    await su.ok("PATCH", f"/roles/{rid}/buttons", {"byRoleButtonIds": buttons[:1]})
    assert (await su.ok("GET", f"/roles/{rid}/buttons"))["byRoleButtonIds"] == buttons[:1]

    api = await su.api_id("post", "/users/search")
    await su.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": [api]})
    assert (await su.ok("GET", f"/roles/{rid}/apis"))["byRoleApiIds"] == [api]
    assert await su.ok("PATCH", f"/roles/{rid}/apis", {}) == {"byRoleApiIds": []}
    assert (await su.ok("GET", f"/roles/{rid}/apis"))["byRoleApiIds"] == [api]
    missing = encode_id(10**9)
    assert await su.code("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": [api, missing]}) == "1101"
    assert await su.code("PATCH", f"/roles/{rid}/buttons", {"byRoleButtonIds": [missing]}) == "1101"
    assert (await su.ok("GET", f"/roles/{rid}/apis"))["byRoleApiIds"] == [api]  # unchanged
    assert (await su.ok("GET", f"/roles/{rid}/buttons"))["byRoleButtonIds"] == buttons[:1]
    assert await su.code("GET", f"/roles/{missing}/apis") == "1101"


async def test_deleting_a_role_cleans_its_users_cache(su: Caller, client: httpx.AsyncClient) -> None:
    rid = await new_role(su, "R_X")
    menus = await su.menu_ids()
    await su.ok("PATCH", f"/roles/{rid}/menus", {"byRoleHomeId": menus["home"], "byRoleMenuIds": [menus["home"]]})
    await su.ok("POST", "/users", {"userName": "alice", "password": "pw-123456", "byUserRoleCodeList": ["R_X"]})
    alice = await login_as(client, "alice", "pw-123456")
    assert (await alice.ok("GET", "/api/v1/auth/user-info"))["roles"] == ["R_X"]
    await su.ok("DELETE", "/roles", {"ids": [rid]})
    assert (await alice.ok("GET", "/api/v1/auth/user-info"))["roles"] == []
    assert await alice.code("POST", "/users/search", {}) == "2207"
    user = (await su.ok("POST", "/users/search", {"userName": "alice"}))["records"][0]
    assert user["byUserRoleCodeList"] == []
