"""Authentication rules: logins, tokens, registration, passwords, profile, impersonation.

Every failure raises ``BizError`` with the spec's code (api.md §1); the
order of checks is part of the contract (e.g. login checks the password
before the status so a disabled account with a wrong password gets 2401).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.core.authz import SUPER_ADMIN_ROLE, Access, get_authz
from app.core.code import Code
from app.core.exceptions import BizError, NotFoundError
from app.core.model import StatusType
from app.core.security import (
    REFRESH_TOKEN,
    TokenExpiredError,
    TokenInvalidError,
    create_token_pair,
    decode_token,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.core.sqids import encode_id
from app.system.models import Role, User
from app.system.schemas.auth import ProfileIn
from app.system.services.authz_loader import load_user_roles, touch_user
from app.system.services.captcha import consume_captcha
from app.system.services.session import invalidate_user_session

DEFAULT_ROLE = "R_USER"

_USER_INFO_FIELDS = (
    "userName",
    "nickName",
    "userGender",
    "userEmail",
    "userPhone",
    "lastLogin",
    "fmtLastLogin",
    "statusType",
    "tokenVersion",
    "mustChangePassword",
)


def _tokens(user: User, impersonator_id: int | None = None) -> dict[str, Any]:
    access, refresh = create_token_pair(user.id, user.user_name, user.token_version, impersonator_id)
    return {"token": access, "refreshToken": refresh}


async def _mark_login(user: User) -> None:
    user.last_login = datetime.now(UTC)
    await User.filter(id=user.id).update(last_login=user.last_login)
    await touch_user(user.id)


async def login(user_name: str | None, password: str | None) -> dict[str, Any]:
    """Password login: 2401 (unknown user or wrong password, same timing), then 2102."""
    user = await User.filter(user_name=user_name).first() if user_name else None
    matched = await verify_password(password or "", user.password if user else None)
    if user is None or not matched:
        raise BizError(Code.WRONG_CREDENTIALS)
    if user.status_type != StatusType.enable:
        raise BizError(Code.ACCOUNT_DISABLED)
    if needs_rehash(user.password):
        await User.filter(id=user.id).update(password=await hash_password(password or ""))
    await _mark_login(user)
    return {**_tokens(user), "mustChangePassword": bool(user.must_change_password)}


async def _user_by_phone(phone: str) -> User:
    user = await User.filter(user_phone=phone).order_by("id").first()
    if user is None:
        raise BizError(Code.PHONE_NOT_REGISTERED)
    if user.status_type != StatusType.enable:
        raise BizError(Code.ACCOUNT_DISABLED)
    return user


async def code_login(phone: str, code: str | None) -> dict[str, Any]:
    """SMS-code login: 2402, 2404, 2102."""
    await consume_captcha(phone, code)
    user = await _user_by_phone(phone)
    await _mark_login(user)
    return _tokens(user)


async def register(phone: str, code: str, password: str, user_name: str) -> None:
    """Create an account (default role ``R_USER`` when it exists and is enabled): 2402, 2303, 2304."""
    await consume_captcha(phone, code)
    name = user_name or phone
    if await User.filter(user_phone=phone).exists():
        raise BizError(Code.DUPLICATE_USER_PHONE)
    if await User.filter(user_name=name).exists():
        raise BizError(Code.DUPLICATE_USER_NAME)
    user = await User.create(user_name=name, nick_name=name, user_phone=phone, password=await hash_password(password))
    role = await Role.filter(role_code=DEFAULT_ROLE, status_type=StatusType.enable).first()
    if role is not None:
        await user.by_user_roles.add(role)
    await load_user_roles(user.id)


async def reset_password(phone: str, code: str, password: str) -> None:
    """Set a new password through an SMS code and end every session: 2402, 2404, 2102."""
    await consume_captcha(phone, code)
    user = await _user_by_phone(phone)
    await User.filter(id=user.id).update(password=await hash_password(password), must_change_password=False)
    await invalidate_user_session(user.id)


async def refresh_tokens(refresh_token: str | None) -> dict[str, Any]:
    """New token pair from a refresh token: 2104, 2100, 2107, 1101, 2105, 2102, 2106 in that order."""
    if not refresh_token:
        raise BizError(Code.REFRESH_TOKEN_MISSING)
    try:
        data = decode_token(refresh_token)
    except TokenExpiredError:
        raise BizError(Code.REFRESH_TOKEN_EXPIRED) from None
    except TokenInvalidError:
        raise BizError(Code.INVALID_TOKEN) from None
    user = await User.filter(id=data.user_id).first()
    if user is None:
        raise NotFoundError
    if data.token_type != REFRESH_TOKEN:
        raise BizError(Code.NOT_REFRESH_TOKEN)
    if user.status_type != StatusType.enable:
        raise BizError(Code.ACCOUNT_DISABLED)
    if data.token_version < user.token_version:
        raise BizError(Code.SESSION_INVALIDATED)
    await _mark_login(user)
    return _tokens(user, data.impersonator_id)


def user_info(access: Access, impersonator_id: int | None) -> dict[str, Any]:
    """The §6.2 user-info object, served from the caller's snapshot (no database query)."""
    profile = access.principal.profile
    info = {key: profile[key] for key in _USER_INFO_FIELDS if key in profile}
    info["userId"] = encode_id(access.principal.user_id)
    info["roles"] = list(access.role_codes)
    info["buttons"] = sorted(access.buttons)
    if impersonator_id is not None:
        info["impersonating"] = True
        info["impersonatorId"] = encode_id(impersonator_id)
    return info


async def fresh_user_info(user_id: int, impersonator_id: int | None) -> dict[str, Any]:
    """user-info after a change by the caller (re-reads the snapshot)."""
    access = await get_authz().access_for(user_id)
    if access is None:
        raise NotFoundError
    return user_info(access, impersonator_id)


async def change_password(user_id: int, old_password: str, new_password: str) -> None:
    """Check the old password (2405), store the new one, clear must-change, end every session."""
    user = await User.get(id=user_id)
    if not await verify_password(old_password, user.password):
        raise BizError(Code.OLD_PASSWORD_WRONG)
    await User.filter(id=user_id).update(password=await hash_password(new_password), must_change_password=False)
    await invalidate_user_session(user_id)


async def update_profile(user_id: int, body: ProfileIn) -> None:
    """Write only the sent keys (null clears): 2302 / 2303 when used by another user."""
    changes = body.model_dump(include=body.model_fields_set, by_alias=False)
    if not changes:
        return
    others = User.filter(id__not=user_id)
    if changes.get("user_email") and await others.filter(user_email=changes["user_email"]).exists():
        raise BizError(Code.DUPLICATE_USER_EMAIL)
    if changes.get("user_phone") and await others.filter(user_phone=changes["user_phone"]).exists():
        raise BizError(Code.DUPLICATE_USER_PHONE)
    if "user_gender" in changes and changes["user_gender"] is None:
        changes.pop("user_gender")  # not nullable: an explicit null leaves it unchanged
    if changes:
        await User.filter(id=user_id).update(**changes)
    await touch_user(user_id)


async def impersonate(caller: Access, target_id: int) -> dict[str, Any]:
    """Tokens for ``target_id`` carrying the caller as ``impersonatorId``: 2206, 2406, 2102."""
    if SUPER_ADMIN_ROLE not in caller.role_codes:
        raise BizError(Code.SUPER_ADMIN_ONLY)
    target = await User.filter(id=target_id).first()
    if target is None:
        raise BizError(Code.TARGET_USER_NOT_FOUND)
    if target.status_type != StatusType.enable:
        raise BizError(Code.ACCOUNT_DISABLED)
    return _tokens(target, caller.principal.user_id)
