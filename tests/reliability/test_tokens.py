"""Hostile tokens never reach a handler: each gets its code and the write behind it does not happen.

Each token is sent to a self-service write (PATCH /auth/profile, which would
rename the caller) and to a permission-checked write (PATCH /users/{id}); the
nickname and the user row are checked afterwards.
"""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from app.core.model import StatusType
from app.core.security import create_token, create_token_pair
from app.core.sqids import encode_id
from app.system.models import Role, User
from app.system.services.authz_loader import load_user_roles
from app.system.services.session import invalidate_user_session
from tests.conftest import TEST_SECRET
from tests.system.conftest import bearer, create_user, do_login

PROFILE = "/api/v1/auth/profile"
MANAGE = "/api/v1/system-manage"


def _claims(user: User, **data: object) -> dict[str, object]:
    now = int(time.time())
    base = {"userId": user.id, "userName": user.user_name, "tokenType": "accessToken", "tokenVersion": user.token_version}
    return {"data": {**base, **data}, "iat": now, "exp": now + 600}


def _tamper_payload(token: str, **data: object) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["data"].update(data)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"


async def _prepare(kind: str, client: httpx.AsyncClient) -> str:
    """A token of the given kind for the user ``mallory`` (created with R_ADMIN)."""
    user = await User.get(user_name="mallory")
    good = await do_login(client, "mallory")
    if kind == "alg-none":
        return jwt.encode(_claims(user), key=None, algorithm="none")
    if kind == "hs512":
        return jwt.encode(_claims(user), TEST_SECRET, algorithm="HS512")
    if kind == "other-key":
        return jwt.encode(_claims(user), "another-secret-of-sufficient-length-0000000", algorithm="HS256")
    if kind == "tampered-payload":
        return _tamper_payload(good, userId=(await User.get(user_name="Super")).id)
    if kind == "tampered-signature":
        return _flip_signature(good)
    if kind == "garbage":
        return "a.b.c"
    if kind == "expired":
        return create_token(_claims(user)["data"], minutes=-1)  # type: ignore[arg-type]
    if kind == "refresh-as-access":
        return create_token_pair(user.id, user.user_name, user.token_version)[1]
    if kind == "deleted-user":
        ghost = await create_user("ghost", roles=("R_ADMIN",))
        token = await do_login(client, "ghost")
        await ghost.by_user_roles.clear()
        await ghost.delete()
        await load_user_roles(ghost.id)
        return token
    if kind == "disabled-user":
        await User.filter(id=user.id).update(status_type=StatusType.disable)
        await load_user_roles(user.id)
        return good
    if kind == "before-password-change":
        await invalidate_user_session(user.id)
        return good
    raise AssertionError(kind)


CASES = {
    "alg-none": "2100",
    "hs512": "2100",
    "other-key": "2100",
    "tampered-payload": "2100",
    "tampered-signature": "2100",
    "garbage": "2100",
    "expired": "2103",
    "refresh-as-access": "2101",
    "deleted-user": "2101",
    "disabled-user": "2102",
    "before-password-change": "2106",
}


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_a_hostile_token_gets_its_code_and_writes_nothing(kind: str, client: httpx.AsyncClient, seeded: None) -> None:
    mallory = await create_user("mallory", roles=("R_ADMIN",))
    target = await User.get(user_name="User")
    token = await _prepare(kind, client)
    profile = await client.patch(PROFILE, json={"nickName": "pwned"}, headers=bearer(token))
    manage = await client.patch(
        f"{MANAGE}/users/{encode_id(target.id)}", json={"nickName": "pwned", "byUserRoleCodeList": ["R_SUPER"]}, headers=bearer(token)
    )
    assert (profile.json()["code"], manage.json()["code"]) == (CASES[kind], CASES[kind])
    assert profile.status_code == manage.status_code == 200
    assert not await User.filter(nick_name="pwned").exists()
    assert [r.role_code for r in await Role.filter(by_role_users__id=target.id)] == ["R_USER"]
    assert (await User.get(id=mallory.id)).nick_name == "mallory"


async def test_an_access_token_is_not_a_refresh_token(client: httpx.AsyncClient, seeded: None) -> None:
    access = await do_login(client, "User")
    body = (await client.post("/api/v1/auth/refresh-token", json={"refreshToken": access})).json()
    assert body["code"] == "2105"
    assert body["data"] is None or "token" not in (body["data"] or {})
