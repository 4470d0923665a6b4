"""The database side of the permission cache: what users and roles grant.

``SystemAuthzSource`` implements ``app.core.authz.AuthzSource``; the
composition root binds it to the app's ``AuthzRuntime``. The bulk readers
here also feed the Redis writers in ``authz_loader``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic.alias_generators import to_camel

from app.core.authz import DEFAULT_HOME, Principal, RoleGrant
from app.core.model import StatusType, serialize_value
from app.system.models import Api, Button, Role, User

#: Columns of a user that user-info and the snapshot may show (never the password).
PROFILE_FIELDS = [
    "id",
    "user_name",
    "nick_name",
    "user_gender",
    "user_email",
    "user_phone",
    "last_login",
    "status_type",
    "token_version",
    "must_change_password",
]


async def enabled_roles_of_users(user_ids: Iterable[int] | None) -> dict[int, list[tuple[str, str | None]]]:
    """user id -> [(role code, home route name)] of enabled roles, newest role first."""
    linked = {"by_role_users__id__in": list(user_ids)} if user_ids is not None else {"by_role_users__id__isnull": False}
    query = Role.filter(status_type=StatusType.enable, **linked)
    rows = await query.order_by("-created_at", "-id").values("role_code", "by_role_home__route_name", "by_role_users__id")
    out: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for row in rows:
        out[int(row["by_role_users__id"])].append((row["role_code"], row["by_role_home__route_name"]))
    return out


def home_of(roles: list[tuple[str, str | None]]) -> str:
    """Home route of the newest enabled role that has one; ``home`` otherwise."""
    return next((home for _, home in roles if home), DEFAULT_HOME)


async def role_grants(codes: Sequence[str] | None) -> dict[str, RoleGrant]:
    """Grants of enabled roles (all enabled roles when ``codes`` is None): three queries."""
    query = Role.filter(status_type=StatusType.enable)
    if codes is not None:
        if not codes:
            return {}
        query = query.filter(role_code__in=list(codes))
    roles = await query.values("id", "role_code", "data_scope")
    if not roles:
        return {}
    by_id = {int(r["id"]): r["role_code"] for r in roles}
    ids = list(by_id)
    apis: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    for row in await Api.filter(by_api_roles__id__in=ids).values("by_api_roles__id", "api_method", "api_path", "status_type"):
        apis[int(row["by_api_roles__id"])][(str(row["api_method"]), row["api_path"])] = str(row["status_type"])
    buttons: dict[int, set[str]] = defaultdict(set)
    for row in await Button.filter(by_button_roles__id__in=ids).values("by_button_roles__id", "button_code"):
        buttons[int(row["by_button_roles__id"])].add(row["button_code"])
    menus: dict[int, set[int]] = defaultdict(set)
    for row in await Role.filter(id__in=ids, by_role_menus__id__isnull=False).values("id", "by_role_menus__id"):
        menus[int(row["id"])].add(int(row["by_role_menus__id"]))
    scopes = {int(r["id"]): str(r["data_scope"]) for r in roles}
    return {
        code: RoleGrant(code, dict(apis[rid]), frozenset(buttons[rid]), frozenset(menus[rid]), scopes[rid]) for rid, code in by_id.items()
    }


def _profile(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        serialize_value(name, row[name], out, to_camel(name))
    return out


class SystemAuthzSource:
    """Reads principals and grants from the system tables."""

    async def load_principal(self, user_id: int) -> Principal | None:
        row = await User.filter(id=user_id).first().values(*PROFILE_FIELDS)
        if row is None:
            return None
        roles = (await enabled_roles_of_users([user_id])).get(user_id, [])
        return Principal(
            user_id=user_id,
            user_name=row["user_name"],
            status=str(row["status_type"]),
            token_version=int(row["token_version"]),
            role_codes=tuple(code for code, _ in roles),
            home=home_of(roles),
            profile=_profile(row),
        )

    async def load_role_grants(self, codes: Sequence[str]) -> dict[str, RoleGrant]:
        return await role_grants(codes)

    async def all_button_codes(self) -> frozenset[str]:
        codes: list[Any] = list(await Button.all().values_list("button_code", flat=True))
        return frozenset(str(code) for code in codes)

    async def load_user(self, user_id: int) -> Any:
        return await User.filter(id=user_id).first()

    async def resync_cache(self) -> None:
        from app.system.services.authz_loader import refresh_all_cache

        await refresh_all_cache()
