"""``/system-manage/apis``: the catalogue search (every filter), detail, status switch, trees."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.system.api.manage.conftest import MANAGE, Caller, login_as

pytestmark = pytest.mark.usefixtures("seeded")


async def paths(su: Caller, body: dict[str, Any]) -> list[tuple[str, str]]:
    page = await su.ok("POST", "/apis/search", {"size": 1000, **body})
    return [(row["apiMethod"], row["apiPath"]) for row in page["records"]]


async def test_record_shape_and_paging(su: Caller) -> None:
    page = await su.ok("POST", "/apis/search", {"size": 5})
    assert page["total"] > 40 and len(page["records"]) == 5
    row = page["records"][0]
    assert {"id", "apiPath", "apiMethod", "summary", "tags", "statusType", "isSystem"} <= row.keys()
    assert isinstance(row["tags"], list) and "createdAt" not in row and "fmtUpdatedAt" not in row
    assert await su.ok("GET", f"/apis/{row['id']}") == row


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ({"apiPath": "/users/"}, lambda m, p: "/users/" in p),
        ({"apiMethod": "patch"}, lambda m, p: m == "patch"),
        ({"apiPath": "/roles/", "apiMethod": "get"}, lambda m, p: m == "get" and "/roles/" in p),
        ({"tags": ["用户管理"]}, lambda m, p: p.startswith(MANAGE + "/users")),
        ({"tags": ["用户管理", "角色管理"]}, lambda m, p: p.startswith((MANAGE + "/users", MANAGE + "/roles"))),
        ({"statusType": "1"}, lambda m, p: True),
    ],
)
async def test_filters(su: Caller, body: dict[str, Any], check: Any) -> None:
    found = await paths(su, body)
    assert found and all(check(m, p) for m, p in found), found


async def test_summary_is_a_substring_filter_and_include_system(su: Caller) -> None:
    found = await paths(su, {"summary": "批量"})
    assert ("delete", MANAGE + "/users") in found and ("post", MANAGE + "/users/batch-offline") in found
    assert await paths(su, {"includeSystem": False}) == []
    assert await paths(su, {"statusType": "2"}) == []


@pytest.mark.parametrize("body", [{"apiMethod": "fetch"}, {"orderBy": ["nope"]}, {"size": 5000}, {"tags": "x"}])
async def test_bad_search_is_1200(su: Caller, body: dict[str, Any]) -> None:
    assert await su.code("POST", "/apis/search", body) == "1200"


async def test_order_by(su: Caller) -> None:
    found = await paths(su, {"orderBy": ["-apiMethod"]})
    assert [m for m, _ in found] == sorted((m for m, _ in found), reverse=True)
    assert found[-1][0] == "delete" and found[0][0] != "delete"


async def test_admin_sees_only_granted_apis(su: Caller, client: httpx.AsyncClient) -> None:
    await su.ok("POST", "/roles", {"roleName": "x", "roleCode": "R_X", "byRoleHomeId": (await su.menu_ids())["home"]})
    rid = (await su.ok("POST", "/roles/search", {"roleCode": "R_X"}))["records"][0]["id"]
    granted = [await su.api_id("post", "/apis/search"), await su.api_id("get", "/apis/tree")]
    await su.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": granted})
    await su.ok("POST", "/users", {"userName": "alice", "password": "pw-123456", "byUserRoleCodeList": ["R_X"]})
    alice = await login_as(client, "alice", "pw-123456")
    page = await alice.ok("POST", "/apis/search", {})
    assert sorted(r["id"] for r in page["records"]) == sorted(granted) and page["total"] == 2
    other = await su.api_id("post", "/users/search")
    assert await alice.code("GET", f"/apis/{other}") == "2201"  # not granted the detail route at all


async def test_disabling_an_api_takes_effect_on_the_next_request(su: Caller, client: httpx.AsyncClient) -> None:
    admin = await login_as(client, "Admin")
    roles_search = await su.api_id("post", "/roles/search")
    rid = (await su.ok("POST", "/roles/search", {"roleCode": "R_ADMIN"}))["records"][0]["id"]
    await su.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": [roles_search]})
    assert await admin.code("POST", "/roles/search", {}) == "0000"
    assert await su.ok("PATCH", f"/apis/{roles_search}/status", {"statusType": "2"}) == {"updatedId": roles_search}
    assert await admin.code("POST", "/roles/search", {}) == "2200"
    assert await su.code("POST", "/roles/search", {}) == "0000"  # R_SUPER bypasses
    await su.ok("PATCH", f"/apis/{roles_search}/status", {"statusType": "1"})
    assert await admin.code("POST", "/roles/search", {}) == "0000"
    assert await su.code("PATCH", f"/apis/{roles_search}/status", {"statusType": "7"}) == "1200"
    assert await su.code("PATCH", f"/apis/{rid}0/status", {"statusType": "1"}) in {"1101", "1200"}


async def test_api_tree_and_tags(su: Caller) -> None:
    tree = await su.ok("GET", "/apis/tree")
    users = next(node for node in tree if node["label"] == "用户管理")
    assert users["isParent"] and users["resourceId"] is None and users["key"].startswith("api-tag:")
    leaf = next(c for c in users["children"] if c["label"] == "批量用户下线")
    assert leaf["key"] == f"api:{leaf['resourceId']}" and not leaf["isParent"]
    assert (await su.ok("GET", "/apis/tree"))[0]["key"] == tree[0]["key"]  # stable keys
    tags = await su.ok("GET", "/apis/tags")
    assert {"value": "用户管理", "label": "用户管理"} in tags and {"value": "API管理", "label": "API管理"} in tags
