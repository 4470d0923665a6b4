"""The access check (2100-2106) and POST /auth/refresh-token (2104, 2100, 2107, 1101, 2105, 2102, 2106)."""

from __future__ import annotations

import time

import httpx
import jwt

from app.core.model import StatusType
from app.core.security import create_token, create_token_pair
from app.system.models import User
from app.system.services.authz_loader import touch_user
from app.system.services.session import invalidate_user_session
from tests.conftest import TEST_SECRET
from tests.system.conftest import bearer, create_user, do_login

USER_INFO = "/api/v1/auth/user-info"
REFRESH = "/api/v1/auth/refresh-token"


async def code_of(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    return str((await client.get(USER_INFO, headers=headers)).json()["code"])


async def test_missing_or_malformed_bearer_is_2100(client: httpx.AsyncClient, seeded: None) -> None:
    token = await do_login(client, "Admin")
    assert await code_of(client, {}) == "2100"
    assert await code_of(client, {"Authorization": token}) == "2100"
    assert await code_of(client, {"Authorization": f"Basic {token}"}) == "2100"
    assert await code_of(client, {"Authorization": "Bearer "}) == "2100"
    assert await code_of(client, bearer("not.a.jwt")) == "2100"
    assert await code_of(client, bearer(token)) == "0000"


async def test_forged_tokens_are_2100(client: httpx.AsyncClient, seeded: None) -> None:
    user = await User.get(user_name="Admin")
    data = {"userId": user.id, "userName": "Admin", "tokenType": "accessToken", "tokenVersion": user.token_version}
    now = int(time.time())
    claims = {"data": data, "iat": now, "exp": now + 600}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    other_key = jwt.encode(claims, "another-secret-key-of-enough-length-000000", algorithm="HS256")
    hs512 = jwt.encode(claims, TEST_SECRET, algorithm="HS512")
    for token in (unsigned, other_key, hs512):
        assert await code_of(client, bearer(token)) == "2100"
    assert await code_of(client, bearer(jwt.encode(claims, TEST_SECRET, algorithm="HS256"))) == "0000"


async def test_expired_access_token_is_2103(client: httpx.AsyncClient, seeded: None) -> None:
    user = await User.get(user_name="Admin")
    expired = create_token({"userId": user.id, "userName": "Admin", "tokenType": "accessToken", "tokenVersion": 0}, minutes=-1)
    assert await code_of(client, bearer(expired)) == "2103"


async def test_refresh_token_as_access_and_vanished_user_are_2101(client: httpx.AsyncClient, seeded: None) -> None:
    user = await create_user("ghost", roles=("R_USER",))
    access, refresh = create_token_pair(user.id, "ghost", 0)
    assert await code_of(client, bearer(refresh)) == "2101"
    assert await code_of(client, bearer(access)) == "0000"
    await user.delete()
    await touch_user(user.id)
    assert await code_of(client, bearer(access)) == "2101"


async def test_disabled_user_gets_2102_before_2106_and_stays_2106_after_reenabling(client: httpx.AsyncClient, seeded: None) -> None:
    await create_user("flip", roles=("R_USER",))
    token = await do_login(client, "flip")
    user = await User.get(user_name="flip")
    await User.filter(id=user.id).update(status_type=StatusType.disable)
    await invalidate_user_session(user.id)  # what an admin "disable" does
    assert await code_of(client, bearer(token)) == "2102"
    await User.filter(id=user.id).update(status_type=StatusType.enable)
    await touch_user(user.id)
    assert await code_of(client, bearer(token)) == "2106"
    assert await code_of(client, bearer(await do_login(client, "flip"))) == "0000"


async def test_disabling_alone_is_seen_on_the_next_request(client: httpx.AsyncClient, seeded: None) -> None:
    await create_user("quiet", roles=("R_USER",))
    token = await do_login(client, "quiet")
    assert await code_of(client, bearer(token)) == "0000"
    await User.filter(user_name="quiet").update(status_type=StatusType.disable)
    await touch_user((await User.get(user_name="quiet")).id)
    assert await code_of(client, bearer(token)) == "2102"


async def test_refresh_issues_a_new_pair(client: httpx.AsyncClient, seeded: None) -> None:
    login = (await client.post("/api/v1/auth/login", json={"userName": "Admin", "password": "123456"})).json()["data"]
    body = (await client.post(REFRESH, json={"refreshToken": login["refreshToken"]})).json()
    assert body["code"] == "0000" and set(body["data"]) == {"token", "refreshToken"}
    assert await code_of(client, bearer(body["data"]["token"])) == "0000"


async def test_refresh_error_codes_in_order(client: httpx.AsyncClient, seeded: None) -> None:
    async def refresh(token: str | None) -> str:
        payload = {"refreshToken": token} if token is not None else {"token": "ignored"}
        return str((await client.post(REFRESH, json=payload)).json()["code"])

    user = await create_user("cycle", roles=("R_USER",))
    base = {"userId": user.id, "userName": "cycle", "tokenVersion": 0}
    assert await refresh(None) == "2104"
    assert await refresh("") == "2104"
    assert await refresh("garbage") == "2100"
    assert await refresh(create_token({**base, "tokenType": "refreshToken"}, minutes=-1)) == "2107"
    assert await refresh(create_token({**base, "userId": 999_999, "tokenType": "refreshToken"}, minutes=5)) == "1101"
    access, refresh_token = create_token_pair(user.id, "cycle", 0)
    assert await refresh(access) == "2105"
    await User.filter(id=user.id).update(status_type=StatusType.disable)
    assert await refresh(refresh_token) == "2102"
    await User.filter(id=user.id).update(status_type=StatusType.enable)
    await invalidate_user_session(user.id)
    assert await refresh(refresh_token) == "2106"


async def test_refresh_keeps_the_impersonator(client: httpx.AsyncClient, seeded: None) -> None:
    user = await User.get(user_name="User")
    _, refresh_token = create_token_pair(user.id, "User", user.token_version, impersonator_id=1)
    data = (await client.post(REFRESH, json={"refreshToken": refresh_token})).json()["data"]
    claims = jwt.decode(data["refreshToken"], TEST_SECRET, algorithms=["HS256"])["data"]
    assert claims["impersonatorId"] == 1
    info = (await client.get(USER_INFO, headers=bearer(data["token"]))).json()["data"]
    assert info["impersonating"] is True
