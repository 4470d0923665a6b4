"""``ensure_user``: declarative user upsert (password hashed, roles by code)."""

from __future__ import annotations

import secrets

from loguru import logger

from app.core.model import GenderType
from app.core.security import hash_password
from app.system.models import Role, User
from app.system.services.init_helper._upsert import replace_links, update_changed
from app.system.services.init_helper.types import UserSpec, Values


async def ensure_user(spec: UserSpec, *, overwrite: bool = True) -> User:
    """Create or update the user ``spec['user_name']``.

    New user: created with the hashed ``password`` (a random one, with a
    warning, when none is declared), gender default "3", then given ``roles``.
    Existing user with ``overwrite``: ``nick_name`` (default the user name)
    and ``must_change_password`` (default false) are re-set, email, phone and
    gender only when declared, the password only with ``reset_password``;
    roles are replaced by the listed codes (unknown codes ignored, an empty
    list changes nothing). With ``overwrite=False`` an existing user is left
    exactly as it is.
    """
    name = spec["user_name"]
    user = await User.get_or_none(user_name=name)
    created = False
    if user is None:
        user, created = await _create_user(spec)
    if not created and not overwrite:
        return user
    if not created:
        await update_changed(user, await _update_values(spec))
    await set_user_roles(user, spec.get("roles") or [])
    return user


async def _create_user(spec: UserSpec) -> tuple[User, bool]:
    """Insert the user; a concurrent insert of the same name wins (race-safe)."""
    from tortoise.exceptions import IntegrityError

    password = spec.get("password")
    if not password:
        password = secrets.token_urlsafe(16)
        logger.warning("user {}: no password declared; a random one was set", spec["user_name"])
    values = _profile_values(spec)
    values["password"] = await hash_password(password)
    values.setdefault("user_gender", GenderType.unknow)
    try:
        return await User.create(user_name=spec["user_name"], **values), True
    except IntegrityError:
        user = await User.get_or_none(user_name=spec["user_name"])
        if user is None:
            raise
        return user, False


def _profile_values(spec: UserSpec) -> Values:
    values: Values = {
        "nick_name": spec.get("nick_name") or spec["user_name"],
        "must_change_password": spec.get("must_change_password", False),
    }
    for key in ("user_email", "user_phone"):
        if spec.get(key):
            values[key] = spec[key]
    if spec.get("user_gender"):
        values["user_gender"] = GenderType(spec["user_gender"])
    return values


async def _update_values(spec: UserSpec) -> Values:
    values = _profile_values(spec)
    if spec.get("reset_password") and spec.get("password"):
        values["password"] = await hash_password(spec["password"])
    return values


async def set_user_roles(user: User, role_codes: list[str]) -> None:
    """Replace ``user``'s roles by the existing roles among ``role_codes``; [] changes nothing."""
    if not role_codes:
        return
    roles = await Role.filter(role_code__in=role_codes)
    missing = sorted(set(role_codes) - {role.role_code for role in roles})
    if missing:
        logger.warning("user {}: unknown roles {} ignored", user.user_name, missing)
    await replace_links(user.by_user_roles, list(roles))
