"""``/system-manage/users``: paging, every filter, the 26xx/23xx codes, roles, forced logout."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.system.api.manage.conftest import Caller, login_as
from tests.system.api.manage.query_counter import count_queries

pytestmark = pytest.mark.usefixtures("seeded")


def new_user(name: str, **extra: Any) -> dict[str, Any]:
    return {"userName": name, "password": "secret-pw", "byUserRoleCodeList": ["R_USER"], **extra}


async def make_users(su: Caller) -> None:
    await su.ok("POST", "/users", new_user("alice", nickName="Ally", userEmail="alice@x.io", userPhone="1301", userGender="2"))
    await su.ok("POST", "/users", new_user("bob", nickName="Bobby", userEmail="bob@x.io", userPhone="1302", userGender="1"))
    await su.ok("POST", "/users", new_user("carol", statusType="2", byUserRoleCodeList=["R_ADMIN"]))


async def names(su: Caller, body: dict[str, Any]) -> list[str]:
    page = await su.ok("POST", "/users/search", {"size": 100, **body})
    return [row["userName"] for row in page["records"]]


async def test_create_then_list_shows_the_record_shape_without_password(su: Caller) -> None:
    created = await su.ok("POST", "/users", new_user("alice", userEmail="alice@x.io"))
    page = await su.ok("POST", "/users/search", {"userName": "alice"})
    assert page["total"] == 1
    row = page["records"][0]
    assert row["id"] == created["createdId"]
    assert row["nickName"] == "alice"  # defaults to the user name
    assert row["byUserRoleCodeList"] == ["R_USER"]
    assert {"createdAt", "fmtCreatedAt", "statusType", "tokenVersion", "mustChangePassword"} <= row.keys()
    assert "password" not in row
    detail = await su.ok("GET", f"/users/{created['createdId']}")
    assert detail["userName"] == "alice" and "password" not in detail


async def test_no_response_ever_carries_a_password_hash(su: Caller, client: httpx.AsyncClient) -> None:
    created = await su.ok("POST", "/users", new_user("alice"))
    await su.ok("PATCH", f"/users/{created['createdId']}", {"password": "another-pw", "byUserRoleCodeList": ["R_USER"]})
    bodies = [
        await su.call("POST", "/users/search", {"size": 100}),
        await su.call("GET", f"/users/{created['createdId']}"),
        await su.call("POST", "/users/search", {"userName": "alice"}),
    ]
    for body in bodies:
        text = str(body)
        assert "$argon2" not in text and "password" not in text


async def test_paging_and_total(su: Caller) -> None:
    await make_users(su)
    first = await su.ok("POST", "/users/search", {"current": 1, "size": 2})
    second = await su.ok("POST", "/users/search", {"current": 2, "size": 2})
    beyond = await su.ok("POST", "/users/search", {"current": 99, "size": 2})
    assert first["total"] == second["total"] == beyond["total"] == 7  # 4 seeded + 3
    assert (first["current"], first["size"]) == (1, 2)
    assert len(first["records"]) == 2 and len(second["records"]) == 2 and beyond["records"] == []
    assert not {r["id"] for r in first["records"]} & {r["id"] for r in second["records"]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"userName": "li"}, ["alice"]),
        ({"nickName": "Bob"}, ["bob"]),
        ({"userPhone": "130"}, ["alice", "bob"]),
        ({"userEmail": "bob@"}, ["bob"]),
        ({"userGender": "2"}, ["alice"]),
        ({"statusType": "2"}, ["carol"]),
        ({"byUserRoleCodeList": ["R_ADMIN"]}, ["Admin", "carol"]),
        ({"byUserRoleCodeList": ["R_ADMIN", "R_USER"], "userName": "o"}, ["bob", "carol"]),
        ({"userName": "", "statusType": ""}, ["Soybean", "Super", "Admin", "User", "alice", "bob", "carol"]),
    ],
)
async def test_every_filter(su: Caller, body: dict[str, Any], expected: list[str]) -> None:
    await make_users(su)
    assert await names(su, body) == expected


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["R_USER"], [f"u{i:02d}" for i in range(12)] + ["User"]),
        (["R_ADMIN"], ["Admin"] + [f"u{i:02d}" for i in range(0, 12, 3)]),
        (["R_USER", "R_ADMIN"], ["Admin", "User"] + [f"u{i:02d}" for i in range(12)]),  # users with both count once
        (["R_NOBODY"], []),
    ],
)
async def test_role_filter_totals_and_pages_are_exact(su: Caller, roles: list[str], expected: list[str]) -> None:
    for i in range(12):
        await su.ok("POST", "/users", new_user(f"u{i:02d}", byUserRoleCodeList=["R_USER", "R_ADMIN"] if i % 3 == 0 else ["R_USER"]))
    seen: list[str] = []
    for current in (1, 2, 3, 4):
        page = await su.ok("POST", "/users/search", {"current": current, "size": 4, "byUserRoleCodeList": roles})
        assert page["total"] == len(expected), (current, page["total"])
        seen += [row["userName"] for row in page["records"]]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))


async def test_order_by_is_honoured_through_a_whitelist(su: Caller) -> None:
    await make_users(su)
    by_id = await names(su, {})
    assert await names(su, {"orderBy": ["-id"]}) == list(reversed(by_id))
    assert await names(su, {"orderBy": ["-statusType"]}) == ["carol", *(n for n in by_id if n != "carol")]
    assert await names(su, {"orderBy": ["userPhone"], "userPhone": "130"}) == ["alice", "bob"]
    assert await names(su, {"orderBy": ["-user_phone"], "userPhone": "130"}) == ["bob", "alice"]


@pytest.mark.parametrize(
    "body",
    [
        {"current": 0},
        {"size": 0},
        {"size": 1001},
        {"current": "x"},
        {"orderBy": ["password"]},
        {"orderBy": ["-password"]},
        {"orderBy": ["nope"]},
        {"orderBy": ["user_name; drop table users"]},
        {"orderBy": "user_name"},
    ],
)
async def test_bad_paging_or_order_is_1200(su: Caller, body: dict[str, Any]) -> None:
    assert await su.code("POST", "/users/search", body) == "1200"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"password": "x", "byUserRoleCodeList": ["R_USER"]}, "2601"),
        ({"userName": "  ", "password": "x", "byUserRoleCodeList": ["R_USER"]}, "2601"),
        ({"userName": "dave", "byUserRoleCodeList": ["R_USER"]}, "2602"),
        ({"userName": "dave", "password": "", "byUserRoleCodeList": ["R_USER"]}, "2602"),
        ({"userName": "dave", "password": "x"}, "2603"),
        ({"userName": "dave", "password": "x", "byUserRoleCodeList": []}, "2603"),
        ({"userName": "d" * 21, "password": "x", "byUserRoleCodeList": ["R_USER"]}, "1200"),
        ({"userName": "dave", "password": "x", "byUserRoleCodeList": ["R_USER"], "userGender": "9"}, "1200"),
    ],
)
async def test_create_validation_codes(su: Caller, body: dict[str, Any], code: str) -> None:
    assert await su.code("POST", "/users", body) == code


async def test_duplicates_have_specific_codes_on_create_and_update(su: Caller) -> None:
    await make_users(su)
    assert await su.code("POST", "/users", new_user("alice")) == "2304"
    assert await su.code("POST", "/users", new_user("x1", userEmail="alice@x.io")) == "2302"
    assert await su.code("POST", "/users", new_user("x2", userPhone="1301")) == "2303"
    bob = (await su.ok("POST", "/users/search", {"userName": "bob"}))["records"][0]["id"]
    roles = {"byUserRoleCodeList": ["R_USER"]}
    assert await su.code("PATCH", f"/users/{bob}", {"userName": "alice", **roles}) == "2304"
    assert await su.code("PATCH", f"/users/{bob}", {"userEmail": "alice@x.io", **roles}) == "2302"
    assert await su.code("PATCH", f"/users/{bob}", {"userPhone": "1301", **roles}) == "2303"
    # keeping one's own values is not a duplicate
    assert await su.code("PATCH", f"/users/{bob}", {"userName": "bob", "userEmail": "bob@x.io", "userPhone": "1302", **roles}) == "0000"


async def test_update_requires_roles_replaces_them_and_drops_unknown_codes(su: Caller) -> None:
    uid = (await su.ok("POST", "/users", new_user("alice")))["createdId"]
    assert await su.code("PATCH", f"/users/{uid}", {"nickName": "A"}) == "2603"
    await su.ok("PATCH", f"/users/{uid}", {"nickName": "A", "byUserRoleCodeList": ["R_ADMIN", "R_NOPE"]})
    row = await su.ok("GET", f"/users/{uid}")
    assert row["byUserRoleCodeList"] == ["R_ADMIN"] and row["nickName"] == "A"
    await su.ok("PATCH", f"/users/{uid}", {"userEmail": None, "byUserRoleCodeList": ["R_USER"]})
    assert (await su.ok("GET", f"/users/{uid}"))["userEmail"] is None


async def test_new_password_works_and_ends_old_sessions(su: Caller, client: httpx.AsyncClient) -> None:
    uid = (await su.ok("POST", "/users", new_user("alice")))["createdId"]
    alice = await login_as(client, "alice", "secret-pw")
    assert await alice.code("GET", "/api/v1/auth/user-info") == "0000"
    await su.ok("PATCH", f"/users/{uid}", {"password": "next-pw-1", "byUserRoleCodeList": ["R_USER"]})
    assert await alice.code("GET", "/api/v1/auth/user-info") == "2106"
    await login_as(client, "alice", "next-pw-1")


async def test_disabling_revokes_sessions_at_once(su: Caller, client: httpx.AsyncClient) -> None:
    uid = (await su.ok("POST", "/users", new_user("alice")))["createdId"]
    alice = await login_as(client, "alice", "secret-pw")
    await su.ok("PATCH", f"/users/{uid}", {"statusType": "2", "byUserRoleCodeList": ["R_USER"]})
    assert await alice.code("GET", "/api/v1/auth/user-info") == "2102"
    await su.ok("PATCH", f"/users/{uid}", {"statusType": "1", "byUserRoleCodeList": ["R_USER"]})
    assert await alice.code("GET", "/api/v1/auth/user-info") == "2106"  # the pre-disable token stays dead


async def test_offline_batch_offline_and_offline_by_role(su: Caller, client: httpx.AsyncClient) -> None:
    await make_users(su)
    alice = await login_as(client, "alice", "secret-pw")
    bob = await login_as(client, "bob", "secret-pw")
    admin = await login_as(client, "Admin")
    ids = {r["userName"]: r["id"] for r in (await su.ok("POST", "/users/search", {"size": 100}))["records"]}

    assert await su.ok("POST", f"/users/{ids['alice']}/offline") is None
    assert await alice.code("GET", "/api/v1/auth/user-info") == "2106"
    assert await bob.code("GET", "/api/v1/auth/user-info") == "0000"

    assert await su.code("POST", "/users/batch-offline", {"ids": [ids["bob"], "zzzzzzzzzz"]}) == "1200"
    assert await su.ok("POST", "/users/batch-offline", {"ids": [ids["bob"]]}) == {"offlineCount": 1}
    assert await bob.code("GET", "/api/v1/auth/user-info") == "2106"

    assert await su.ok("POST", "/users/offline-by-role", {"roleCodes": ["R_ADMIN"]}) == {"offlineCount": 2}
    assert await admin.code("GET", "/api/v1/auth/user-info") == "2106"
    assert await su.code("GET", "/api/v1/auth/user-info") == "0000"


async def test_missing_users_are_1101(su: Caller) -> None:
    uid = (await su.ok("POST", "/users", new_user("alice")))["createdId"]
    await su.ok("DELETE", f"/users/{uid}")
    assert await su.code("GET", f"/users/{uid}") == "1101"
    assert await su.code("DELETE", f"/users/{uid}") == "1101"
    assert await su.code("POST", f"/users/{uid}/offline") == "1101"
    assert await su.code("POST", "/users/batch-offline", {"ids": [uid]}) == "1101"
    assert await su.code("PATCH", f"/users/{uid}", {"byUserRoleCodeList": ["R_USER"]}) == "1101"
    assert await su.code("GET", "/users/not-a-sqid!") == "1200"


async def test_batch_delete_ignores_missing_ids(su: Caller, client: httpx.AsyncClient) -> None:
    a = (await su.ok("POST", "/users", new_user("alice")))["createdId"]
    b = (await su.ok("POST", "/users", new_user("bob")))["createdId"]
    alice = await login_as(client, "alice", "secret-pw")
    await su.ok("DELETE", f"/users/{a}")
    data = await su.ok("DELETE", "/users", {"ids": [a, b]})
    assert data == {"deletedCount": 1, "deletedIds": [b]}
    assert await alice.code("GET", "/api/v1/auth/user-info") == "2101"
    assert await su.code("DELETE", "/users", {"ids": []}) == "1200"


async def test_user_list_costs_a_constant_number_of_queries(su: Caller) -> None:
    await make_users(su)
    await su.ok("POST", "/users/search", {"size": 1})  # warm the caller's permission snapshot
    with count_queries() as small:
        await su.ok("POST", "/users/search", {"size": 2})
    with count_queries() as large:
        await su.ok("POST", "/users/search", {"size": 100})
    # A full page: page + COUNT + role links. Every user on one short page: no COUNT needed.
    assert small.count == 3
    assert large.count == 2
