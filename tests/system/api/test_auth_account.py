"""Captcha, code login, register, reset/change password, profile, impersonation."""

from __future__ import annotations

import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.core.authz.keys import captcha_key, token_version_key, user_roles_key
from app.core.model import StatusType
from app.core.sqids import encode_id
from app.system.models import Api, Role, User
from app.system.services import captcha
from app.system.services.authz_loader import refresh_all_cache
from tests.conftest import TEST_SECRET
from tests.system.conftest import bearer, create_user, do_login


class RecordingSender:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.sent: dict[str, str] = {}

    async def send(self, phone: str, code: str) -> bool:
        self.sent[phone] = code
        return self.ok


@pytest.fixture
def sender() -> RecordingSender:
    recorder = RecordingSender()
    captcha.set_captcha_sender(recorder)
    yield recorder
    captcha.set_captcha_sender(captcha.LogCaptchaSender())


async def get_code(client: httpx.AsyncClient, sender: RecordingSender, phone: str) -> str:
    body = (await client.post("/api/v1/auth/captcha", json={"phone": phone})).json()
    assert body["code"] == "0000", body
    return sender.sent[phone]


async def test_captcha_is_stored_with_ttl_and_single_use(
    app: FastAPI, client: httpx.AsyncClient, seeded: None, sender: RecordingSender
) -> None:
    await create_user("phoned", roles=("R_USER",), user_phone="13800000001")
    code = await get_code(client, sender, "13800000001")
    assert len(code) == 6 and code.isdigit()
    ttl = await app.state.redis.ttl(captcha_key("13800000001"))
    assert 0 < ttl <= 300
    first = (await client.post("/api/v1/auth/code-login", json={"phone": "13800000001", "code": code})).json()
    assert first["code"] == "0000" and set(first["data"]) == {"token", "refreshToken"}
    again = (await client.post("/api/v1/auth/code-login", json={"phone": "13800000001", "code": code})).json()
    assert again["code"] == "2402"


async def test_captcha_send_failure_is_2403(client: httpx.AsyncClient, seeded: None, sender: RecordingSender) -> None:
    sender.ok = False
    assert (await client.post("/api/v1/auth/captcha", json={"phone": "1"})).json()["code"] == "2403"


async def test_code_login_errors(client: httpx.AsyncClient, seeded: None, sender: RecordingSender) -> None:
    await create_user("off", roles=("R_USER",), user_phone="13800000002", status=StatusType.disable)
    assert (await client.post("/api/v1/auth/code-login", json={"phone": "13800000002", "code": "000000"})).json()["code"] == "2402"
    code = await get_code(client, sender, "13900000000")
    assert (await client.post("/api/v1/auth/code-login", json={"phone": "13900000000", "code": code})).json()["code"] == "2404"
    code = await get_code(client, sender, "13800000002")
    assert (await client.post("/api/v1/auth/code-login", json={"phone": "13800000002", "code": code})).json()["code"] == "2102"


async def test_register_gives_r_user_and_writes_its_cache(
    app: FastAPI, client: httpx.AsyncClient, seeded: None, sender: RecordingSender
) -> None:
    code = await get_code(client, sender, "13700000000")
    body = (await client.post("/api/v1/auth/register", json={"phone": "13700000000", "code": code, "password": "pw-123456"})).json()
    assert body["code"] == "0000" and body["msg"] == "注册成功"
    user = await User.get(user_name="13700000000")
    assert await app.state.redis.get(user_roles_key(user.id)) == '["R_USER"]'
    token = await do_login(client, "13700000000", "pw-123456")
    info = (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()["data"]
    assert info["roles"] == ["R_USER"] and info["userPhone"] == "13700000000"


async def test_register_errors(client: httpx.AsyncClient, seeded: None, sender: RecordingSender) -> None:
    await create_user("taken", roles=("R_USER",), user_phone="13600000000")
    payload = {"phone": "13600000001", "code": "bad", "password": "x"}
    assert (await client.post("/api/v1/auth/register", json=payload)).json()["code"] == "2402"
    code = await get_code(client, sender, "13600000000")
    assert (await client.post("/api/v1/auth/register", json={**payload, "phone": "13600000000", "code": code})).json()["code"] == "2303"
    code = await get_code(client, sender, "13600000001")
    body = {**payload, "code": code, "userName": "taken"}
    assert (await client.post("/api/v1/auth/register", json=body)).json()["code"] == "2304"


async def test_reset_password_kills_sessions(client: httpx.AsyncClient, seeded: None, sender: RecordingSender) -> None:
    await create_user("forgetful", roles=("R_USER",), user_phone="13500000000", must_change_password=True)
    old = await do_login(client, "forgetful")
    assert (await client.post("/api/v1/auth/reset-password", json={"phone": "13500000000", "code": "x", "password": "n"})).json()[
        "code"
    ] == "2402"
    code = await get_code(client, sender, "13400000000")
    assert (await client.post("/api/v1/auth/reset-password", json={"phone": "13400000000", "code": code, "password": "n"})).json()[
        "code"
    ] == "2404"
    code = await get_code(client, sender, "13500000000")
    body = (await client.post("/api/v1/auth/reset-password", json={"phone": "13500000000", "code": code, "password": "new-pass"})).json()
    assert body["code"] == "0000"
    assert (await client.get("/api/v1/auth/user-info", headers=bearer(old))).json()["code"] == "2106"
    assert (await User.get(user_name="forgetful")).must_change_password is False
    await do_login(client, "forgetful", "new-pass")
    await User.filter(user_name="forgetful").update(status_type=StatusType.disable)
    code = await get_code(client, sender, "13500000000")
    assert (await client.post("/api/v1/auth/reset-password", json={"phone": "13500000000", "code": code, "password": "n"})).json()[
        "code"
    ] == "2102"


async def test_change_password(app: FastAPI, client: httpx.AsyncClient, seeded: None) -> None:
    user = await create_user("changer", roles=("R_USER",), must_change_password=True)
    token = await do_login(client, "changer")
    wrong = (await client.patch("/api/v1/auth/password", headers=bearer(token), json={"oldPassword": "x", "newPassword": "y"})).json()
    assert wrong["code"] == "2405"
    ok = (await client.patch("/api/v1/auth/password", headers=bearer(token), json={"oldPassword": "123456", "newPassword": "fresh"})).json()
    assert ok["code"] == "0000"
    assert (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()["code"] == "2106"
    fresh = await User.get(id=user.id)
    assert fresh.must_change_password is False and fresh.token_version == 1
    assert await app.state.redis.get(token_version_key(user.id)) == "1"
    login = (await client.post("/api/v1/auth/login", json={"userName": "changer", "password": "fresh"})).json()["data"]
    assert login["mustChangePassword"] is False


async def test_profile_writes_only_sent_keys(client: httpx.AsyncClient, seeded: None) -> None:
    await create_user("prof", roles=("R_USER",), user_email="p@x.io", user_phone="111", user_gender="1")
    await create_user("other", roles=("R_USER",), user_email="o@x.io", user_phone="222")
    token = await do_login(client, "prof")
    body = (await client.patch("/api/v1/auth/profile", headers=bearer(token), json={"nickName": "Pro", "userPhone": ""})).json()
    assert body["code"] == "0000" and body["msg"] == "更新成功"
    assert body["data"]["nickName"] == "Pro" and body["data"]["userPhone"] is None and body["data"]["userEmail"] == "p@x.io"
    assert body["data"]["userGender"] == "1"
    assert (await client.patch("/api/v1/auth/profile", headers=bearer(token), json={"userEmail": "o@x.io"})).json()["code"] == "2302"
    assert (await client.patch("/api/v1/auth/profile", headers=bearer(token), json={"userPhone": "222"})).json()["code"] == "2303"
    info = (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()["data"]
    assert info["nickName"] == "Pro" and info["userEmail"] == "p@x.io"


async def test_impersonation(client: httpx.AsyncClient, seeded: None) -> None:
    target = await User.get(user_name="User")
    admin_token = await do_login(client, "Admin")
    path = f"/api/v1/auth/impersonate/{encode_id(target.id)}"
    assert (await client.post(path, headers=bearer(admin_token))).json()["code"] == "2201"
    api, _ = await Api.get_or_create(api_method="post", api_path="/api/v1/auth/impersonate/{user_id}", defaults={"summary": "模拟登录"})
    await (await Role.get(role_code="R_ADMIN")).by_role_apis.add(api)
    await refresh_all_cache()
    assert (await client.post(path, headers=bearer(admin_token))).json()["code"] == "2206"

    super_token = await do_login(client, "Super")
    missing = f"/api/v1/auth/impersonate/{encode_id(999_999)}"
    assert (await client.post(missing, headers=bearer(super_token))).json()["code"] == "2406"
    body = (await client.post(path, headers=bearer(super_token))).json()
    assert body["code"] == "0000"
    super_id = (await User.get(user_name="Super")).id
    assert jwt.decode(body["data"]["token"], TEST_SECRET, algorithms=["HS256"])["data"]["impersonatorId"] == super_id
    info = (await client.get("/api/v1/auth/user-info", headers=bearer(body["data"]["token"]))).json()["data"]
    assert info["userName"] == "User" and info["impersonating"] is True and info["impersonatorId"] == encode_id(super_id)

    await User.filter(id=target.id).update(status_type=StatusType.disable)
    assert (await client.post(path, headers=bearer(super_token))).json()["code"] == "2102"
