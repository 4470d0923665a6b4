"""The administrator's black-box flow (issue "Done when"), over HTTP on every backend.

Create a role with some menus, buttons and APIs; create a user holding it;
log in as that user: exactly those menus in ``/route/user-routes``, exactly
those APIs callable (2201 for the rest), those buttons in ``user-info``;
change the role and see the change on the very next request.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.system.api.manage.conftest import Caller, login_as

pytestmark = pytest.mark.usefixtures("seeded")


def route_names(routes: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for route in routes:
        out.add(route["name"])
        out |= route_names(route.get("children", []))
    return out


async def test_role_grants_are_exactly_what_the_user_gets(su: Caller, client: httpx.AsyncClient) -> None:
    menus = await su.menu_ids()
    buttons = [{"buttonCode": "B_USER_ADD", "buttonDesc": "add"}, {"buttonCode": "B_USER_DEL", "buttonDesc": "del"}]
    await su.ok("PATCH", f"/menus/{menus['manage_user']}", {"byMenuButtons": buttons})
    tree = await su.ok("GET", "/menus/buttons/tree")
    button_ids = {leaf["label"]: leaf["resourceId"] for node in tree for sub in node["children"] for leaf in sub.get("children", [])}

    rid = (await su.ok("POST", "/roles", {"roleName": "审核员", "roleCode": "R_AUDIT", "byRoleHomeId": menus["home"]}))["createdId"]
    await su.ok(
        "PATCH", f"/roles/{rid}/menus", {"byRoleHomeId": menus["manage_user"], "byRoleMenuIds": [menus["manage_user"], menus["home"]]}
    )
    await su.ok("PATCH", f"/roles/{rid}/buttons", {"byRoleButtonIds": [button_ids["add"]]})
    granted = [await su.api_id("post", "/users/search"), await su.api_id("get", "/menus/tree")]
    await su.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": granted})
    await su.ok("POST", "/users", {"userName": "auditor", "password": "audit-pw-1", "byUserRoleCodeList": ["R_AUDIT"]})

    auditor = await login_as(client, "auditor", "audit-pw-1")
    routes = await auditor.ok("GET", "/api/v1/route/user-routes")
    assert routes["home"] == "manage_user"
    assert route_names(routes["routes"]) == {"home", "manage", "manage_user"}
    info = await auditor.ok("GET", "/api/v1/auth/user-info")
    assert info["roles"] == ["R_AUDIT"] and info["buttons"] == ["B_USER_ADD"]
    assert await auditor.code("POST", "/users/search", {}) == "0000"
    assert await auditor.code("GET", "/menus/tree") == "0000"
    for method, path, body in [
        ("POST", "/roles/search", {}),
        ("GET", "/menus/pages", None),
        ("POST", "/users", {}),
        ("GET", "/apis/tree", None),
    ]:
        assert await auditor.code(method, path, body) == "2201", path

    # change the role: the very next request sees it
    await su.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": [await su.api_id("post", "/roles/search")]})
    assert await auditor.code("POST", "/users/search", {}) == "2201"
    assert await auditor.code("POST", "/roles/search", {}) == "0000"
    await su.ok("PATCH", f"/roles/{rid}/menus", {"byRoleHomeId": menus["home"], "byRoleMenuIds": [menus["home"]]})
    routes = await auditor.ok("GET", "/api/v1/route/user-routes")
    assert (routes["home"], route_names(routes["routes"])) == ("home", {"home"})
    await su.ok("PATCH", f"/roles/{rid}/buttons", {"byRoleButtonIds": [button_ids["del"]]})
    assert (await auditor.ok("GET", "/api/v1/auth/user-info"))["buttons"] == ["B_USER_DEL"]

    # disabling the role leaves the user without an enabled role; re-enabling restores it
    await su.ok("PATCH", f"/roles/{rid}", {"statusType": "2"})
    assert await auditor.code("POST", "/roles/search", {}) == "2207"
    assert (await auditor.ok("GET", "/api/v1/auth/user-info"))["roles"] == []
    await su.ok("PATCH", f"/roles/{rid}", {"statusType": "1", "roleCode": "R_AUDIT2"})
    assert await auditor.code("POST", "/roles/search", {}) == "0000"
    assert (await auditor.ok("GET", "/api/v1/auth/user-info"))["roles"] == ["R_AUDIT2"]


async def test_admin_seed_grants_cover_the_management_pages(client: httpx.AsyncClient) -> None:
    admin = await login_as(client, "Admin")
    calls = [("POST", "/users/search", {}), ("POST", "/roles/search", {}), ("POST", "/menus/search", {})]
    calls += [("GET", "/menus/tree", None), ("POST", "/apis/search", {}), ("GET", "/dictionaries/x/options", None)]
    for method, path, body in calls:
        assert await admin.code(method, path, body) == "0000", path
    assert await admin.code("POST", "/users/offline-by-role", {"roleCodes": ["R_USER"]}) == "2201"  # not a seeded grant
    user = await login_as(client, "User")
    assert await user.code("POST", "/users/search", {}) == "2201"
