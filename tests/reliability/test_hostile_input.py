"""Hostile input: ids, ordering/filtering injection, mass assignment, malformed bodies.

Every answer is the envelope (HTTP 200, a specific code — never 1000) and
nothing is written; ids never reach another resource or another row.
"""

from __future__ import annotations

import string
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.authz.keys import captcha_key
from app.core.sqids import decode_id, encode_id
from app.system.models import Role, User
from tests.system.conftest import bearer

MANAGE = "/api/v1/system-manage"


def assert_envelope(response: httpx.Response, *codes: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text[:300]
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "msg", "data"}, body
    assert body["code"] in codes, body
    assert "Traceback" not in response.text
    return body


async def _snapshot() -> list[tuple[Any, ...]]:
    users = await User.all().order_by("id").values_list("id", "user_name", "nick_name", "status_type", "token_version", "password")
    links = await Role.filter(by_role_users__id__gt=0).values_list("id", "by_role_users__id")
    return [*users, *sorted(links)]


def _non_canonical(valid: str) -> str:
    """Another string that the sqids alphabet decodes to the same number, if one exists nearby."""
    target = decode_id(valid)
    for ch in string.ascii_letters + string.digits:
        for pos in range(len(valid)):
            candidate = valid[:pos] + ch + valid[pos + 1 :]
            if candidate == valid:
                continue
            try:
                if decode_id(candidate) == target:
                    return candidate
            except Exception:
                continue
    return valid + valid[-1]


async def test_hostile_ids_get_clean_codes_and_reach_no_other_row(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["Super"])
    user = await User.get(user_name="User")
    role = await Role.get(role_code="R_ADMIN")
    before = await _snapshot()
    role_only_id = max(await Role.all().values_list("id", flat=True)) + max(await User.all().values_list("id", flat=True)) + 7
    hostile = [
        str(user.id),  # a bare int, not a sqid
        "-1",
        "0",
        "99999999999999999999999999",
        "x" * 5000,
        "%00",
        "null",
        "' OR 1=1 --",
        _non_canonical(str(encode_id(user.id))),
        str(encode_id(role_only_id)),  # a well-formed sqid of no user
    ]
    for raw in hostile:
        body = assert_envelope(await client.get(f"{MANAGE}/users/{raw}", headers=admin), "1200", "1101", "1300")
        assert body["data"] is None or "userName" not in (body["data"] or {}), raw
    # A role's sqid on the user endpoint reads at most the user with that number, never the role.
    got = assert_envelope(await client.get(f"{MANAGE}/users/{encode_id(role.id)}", headers=admin), "0000", "1101")
    assert got["code"] == "1101" or ("userName" in got["data"] and "roleCode" not in got["data"])
    for ids in ([None], [encode_id(user.id), None], [user.id], ["-1"], [True], [{"id": 1}], "all", [encode_id(user.id)] * 1001, []):
        assert_envelope(await client.request("DELETE", f"{MANAGE}/users", json={"ids": ids}, headers=admin), "1200", "1101")
    assert await _snapshot() == before


@pytest.mark.parametrize(
    "payload",
    [
        {"orderBy": ["id; DROP TABLE users"]},
        {"orderBy": ["-password"]},
        {"orderBy": ["password"]},
        {"orderBy": ["user_name desc"]},
        {"orderBy": ["by_user_roles__role_code"]},
        {"orderBy": "id"},
        {"orderBy": [None]},
        {"orderBy": ["id"] * 11},
        {"size": 10**9},
        {"current": -1},
        {"userName": {"$ne": None}},
        {"userName": ["a", "b"]},
    ],
)
async def test_ordering_and_filter_injection_is_refused(payload: dict[str, Any], client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    body = assert_envelope(await client.post(f"{MANAGE}/users/search", json=payload, headers=bearer(tokens["Super"])), "1200")
    assert body["data"] is None or "records" not in (body["data"] or {})


async def test_filter_values_are_data_not_sql_or_wildcards(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    for needle in ("' OR '1'='1", "%", "_", "\\", "User' --"):
        body = assert_envelope(
            await client.post(f"{MANAGE}/users/search", json={"userName": needle}, headers=bearer(tokens["Super"])), "0000"
        )
        assert body["data"]["records"] == [], needle


async def test_mass_assignment_is_ignored(app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    user = await User.get(user_name="User")
    extra = {"tokenVersion": 99, "password": "new-pass-1", "statusType": "2", "userName": "root", "id": 1,
             "byUserRoleCodeList": ["R_SUPER"], "roles": ["R_SUPER"], "isSuper": True, "createdBy": 1}  # fmt: skip
    assert_envelope(await client.patch("/api/v1/auth/profile", json={"nickName": "nick", **extra}, headers=bearer(tokens["User"])), "0000")
    after = await User.get(id=user.id)
    assert (after.nick_name, after.user_name, after.token_version, after.status_type, after.password) == (
        "nick", "User", user.token_version, user.status_type, user.password,
    )  # fmt: skip
    assert [r.role_code for r in await Role.filter(by_role_users__id=user.id)] == ["R_USER"]
    assert_envelope(await client.get("/api/v1/auth/user-info", headers=bearer(tokens["User"])), "0000")  # session intact

    await app.state.redis.set(captcha_key("13900000009"), "424242", ex=60)
    body = {
        "phone": "13900000009",
        "code": "424242",
        "password": "Reg-pass-1",
        "userName": "newbie",
        **{k: v for k, v in extra.items() if k not in ("password", "userName")},
    }
    assert_envelope(await client.post("/api/v1/auth/register", json=body), "0000")
    newbie = await User.get(user_phone="13900000009")
    assert [r.role_code for r in await Role.filter(by_role_users__id=newbie.id)] == ["R_USER"]
    assert (newbie.token_version, newbie.status_type) == (0, "1")
    assert newbie.id != 1


async def test_malformed_bodies_get_envelope_codes_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["Super"])
    before = await _snapshot()
    create = f"{MANAGE}/users"
    json_headers = {**admin, "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    cases: list[tuple[str, bytes | str, dict[str, str], tuple[str, ...]]] = [
        ("oversized", b'{"userName": "' + b"a" * (3 * 1024 * 1024) + b'"}', json_headers, ("1202",)),
        ("deep json", deep, json_headers, ("1200",)),
        ("deep object", '{"a":' * 5000 + "1" + "}" * 5000, json_headers, ("1200",)),
        ("invalid utf-8", b'{"userName": "\xff\xfe\xfa", "password": "x1", "byUserRoleCodeList": ["R_USER"]}', json_headers, ("1200",)),
        ("not json", "userName=evil&password=x", json_headers, ("1200",)),
        (
            "text/plain",
            '{"userName": "evil", "password": "pw-1", "byUserRoleCodeList": ["R_USER"]}',
            {**admin, "Content-Type": "text/plain"},
            ("1200",),
        ),
        ("form", "userName=evil&password=pw-1", {**admin, "Content-Type": "application/x-www-form-urlencoded"}, ("1200",)),
        ("xml", "<user><userName>evil</userName></user>", {**admin, "Content-Type": "application/xml"}, ("1200",)),
        ("empty", b"", json_headers, ("1200",)),
        ("json null", "null", json_headers, ("1200",)),
        ("json list", "[]", json_headers, ("1200",)),
        (
            "huge number",
            '{"userName": "evil", "password": "pw-1", "byUserRoleCodeList": ["R_USER"], "userGender": 1e999999}',
            json_headers,
            ("1200",),
        ),
    ]
    for name, content, headers, codes in cases:
        response = await client.post(create, content=content, headers=headers)
        assert_envelope(response, *codes), name
    login = await client.post("/api/v1/auth/login", content=b"\xff\xfe", headers={"Content-Type": "application/json"})
    assert_envelope(login, "1200")
    assert await _snapshot() == before
    assert not await User.filter(user_name="evil").exists()


async def test_nul_characters_never_become_an_internal_error(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    """PostgreSQL refuses NUL in text (SQLSTATE 22021): that is the client's bad value (1200), not a 1000."""
    admin = bearer(tokens["Super"])
    before = await _snapshot()
    body = assert_envelope(
        await client.post(f"{MANAGE}/users/offline-by-role", json={"roleCodes": ["R\x00X"]}, headers=admin), "0000", "1200"
    )
    created = await client.post(f"{MANAGE}/dictionaries", json={"dictType": "nul_test", "label": "a\x00b", "value": "v"}, headers=admin)
    assert_envelope(created, "0000", "1200")
    search = await client.post(f"{MANAGE}/users/search", json={"userName": "\x00"}, headers=admin)
    assert_envelope(search, "0000", "1200")
    assert body["code"] in ("0000", "1200") and await _snapshot() == before


async def test_values_longer_than_their_column_and_non_ascii_codes_are_clean_errors(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    """Found by schemathesis: a filter value longer than its column (ORM ValidationError) and a
    non-ASCII captcha guess (compare_digest TypeError) used to answer 1000."""
    admin = bearer(tokens["Super"])
    assert_envelope(await client.post(f"{MANAGE}/users/offline-by-role", json={"roleCodes": ["R" * 25]}, headers=admin), "0000", "1200")
    await app.state.redis.set(captcha_key("13800000000"), "123456", ex=60)
    assert_envelope(await client.post("/api/v1/auth/code-login", json={"phone": "13800000000", "code": "é"}), "2402")
