"""POST /auth/login, /auth/swagger-login and GET /auth/user-info."""

from __future__ import annotations

import httpx
import jwt

from app.core.model import StatusType
from app.core.sqids import encode_id
from app.system.models import User
from tests.conftest import TEST_SECRET
from tests.system.conftest import bearer, create_user, do_login


async def test_login_returns_both_tokens_and_must_change_flag(client: httpx.AsyncClient, seeded: None) -> None:
    body = (await client.post("/api/v1/auth/login", json={"userName": "Admin", "password": "123456"})).json()
    assert body["code"] == "0000"
    assert set(body["data"]) == {"token", "refreshToken", "mustChangePassword"}
    assert body["data"]["mustChangePassword"] is False
    payload = jwt.decode(body["data"]["token"], TEST_SECRET, algorithms=["HS256"])
    assert set(payload) == {"data", "iat", "exp"}
    user = await User.get(user_name="Admin")
    assert payload["data"] == {"userId": user.id, "userName": "Admin", "tokenType": "accessToken", "tokenVersion": user.token_version}
    refresh = jwt.decode(body["data"]["refreshToken"], TEST_SECRET, algorithms=["HS256"])
    assert refresh["data"]["tokenType"] == "refreshToken" and refresh["iat"] == payload["iat"]
    assert user.last_login is not None


async def test_unknown_user_and_wrong_password_give_the_same_2401(client: httpx.AsyncClient, seeded: None) -> None:
    unknown = (await client.post("/api/v1/auth/login", json={"userName": "nobody", "password": "123456"})).json()
    wrong = (await client.post("/api/v1/auth/login", json={"userName": "Admin", "password": "nope"})).json()
    missing = (await client.post("/api/v1/auth/login", json={})).json()
    assert unknown["code"] == wrong["code"] == missing["code"] == "2401"
    assert unknown["msg"] == wrong["msg"]


async def test_disabled_user_gets_2401_for_a_wrong_password_and_2102_for_the_right_one(client: httpx.AsyncClient, seeded: None) -> None:
    await create_user("frozen", roles=("R_USER",), status=StatusType.disable)
    wrong = (await client.post("/api/v1/auth/login", json={"userName": "frozen", "password": "bad"})).json()
    right = (await client.post("/api/v1/auth/login", json={"userName": "frozen", "password": "123456"})).json()
    assert (wrong["code"], right["code"]) == ("2401", "2102")


async def test_swagger_login_answers_raw_oauth2(client: httpx.AsyncClient, seeded: None) -> None:
    ok = (await client.post("/api/v1/auth/swagger-login", data={"username": "Admin", "password": "123456"})).json()
    assert set(ok) == {"access_token", "token_type"} and ok["token_type"] == "bearer"
    bad = (await client.post("/api/v1/auth/swagger-login", data={"username": "Admin", "password": "x"})).json()
    assert bad["code"] == "2401"


async def test_user_info_shape(client: httpx.AsyncClient, seeded: None) -> None:
    token = await do_login(client, "Admin")
    body = (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()
    assert body["code"] == "0000"
    info = body["data"]
    user = await User.get(user_name="Admin")
    assert info["userId"] == encode_id(user.id)
    assert info["roles"] == ["R_ADMIN"]
    assert info["userEmail"] == "admin2@admin.com" and info["userGender"] == "3" and info["statusType"] == "1"
    assert isinstance(info["lastLogin"], int) and "fmtLastLogin" in info
    assert info["mustChangePassword"] is False and info["tokenVersion"] == user.token_version
    assert not {"id", "password", "createdAt", "impersonating", "impersonatorId"} & set(info)


async def test_user_info_roles_newest_first_and_disabled_roles_left_out(client: httpx.AsyncClient, seeded: None) -> None:
    from app.system.models import Menu, Role

    home = await Menu.get(route_name="home")
    newer = await Role.create(role_code="R_NEW", role_name="new", by_role_home=home)
    off = await Role.create(role_code="R_OFF", role_name="off", by_role_home=home, status_type=StatusType.disable)
    user = await create_user("multi", roles=("R_USER",))
    await user.by_user_roles.add(newer, off)
    token = await do_login(client, "multi")
    info = (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()["data"]
    assert info["roles"] == ["R_NEW", "R_USER"]


async def test_super_user_info_lists_every_button(client: httpx.AsyncClient, seeded: None) -> None:
    from app.system.models import Button

    await Button.create(button_code="B_X_CREATE", button_desc="create")
    await Button.create(button_code="B_X_DELETE", button_desc="delete")
    from app.system.services.authz_loader import bump_epoch

    await bump_epoch()
    token = await do_login(client, "Super")
    info = (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()["data"]
    assert {"B_X_CREATE", "B_X_DELETE"} <= set(info["buttons"])
    assert info["roles"] == ["R_SUPER"]
