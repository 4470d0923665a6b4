"""Writers of the permission cache: database → Redis keys (spec data.md §7) → epoch bump.

Call these **after** the database commit of any write that changes who may
see or call what; every function ends by INCRementing ``authz:epoch`` (or
the user's revision), so every worker and replica drops its in-process
snapshot on its very next request. Redis errors never fail the caller: they
are logged (rate-limited) and the checks fall back to the database until
Redis returns, when one process resynchronises everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from redis.asyncio import Redis

from app.core.authz import DEFAULT_HOME, RoleGrant, get_authz
from app.core.authz.keys import (
    CONSTANT_ROUTES_KEY,
    role_key,
    role_keys,
    token_version_key,
    user_home_key,
    user_roles_key,
)
from app.system.models import Role, User
from app.system.services.authz_source import enabled_roles_of_users, home_of, role_grants
from app.system.services.routes import build_constant_routes

__all__ = [
    "bump_epoch",
    "delete_role_keys",
    "get_constant_routes",
    "get_role_apis",
    "get_role_buttons",
    "get_role_data_scope",
    "get_role_menus",
    "get_token_version",
    "get_user_home",
    "get_user_roles",
    "load_constant_routes",
    "load_role_permissions",
    "load_token_versions",
    "load_user_roles",
    "refresh_all_cache",
    "refresh_role",
    "refresh_users_of_role",
    "touch_user",
]

_CHUNK = 1000


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _write(what: str, commands: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run ``(method, args)`` commands in pipelines of ``_CHUNK``; errors only warn."""
    for start in range(0, len(commands), _CHUNK):
        chunk = commands[start : start + _CHUNK]

        async def run(redis: Redis, chunk: list[tuple[str, tuple[Any, ...]]] = chunk) -> Any:
            pipe = redis.pipeline(transaction=False)
            for method, args in chunk:
                getattr(pipe, method)(*args)
            return await pipe.execute()

        await get_authz().call(what, run)


def _role_commands(grant: RoleGrant) -> list[tuple[str, tuple[Any, ...]]]:
    apis = [{"method": m, "path": p, "status": s} for (m, p), s in sorted(grant.apis.items())]
    return [
        ("set", (role_key(grant.code, "menus"), _dumps(sorted(grant.menu_ids)))),
        ("set", (role_key(grant.code, "apis"), _dumps(apis))),
        ("set", (role_key(grant.code, "buttons"), _dumps(sorted(grant.buttons)))),
        ("set", (role_key(grant.code, "data_scope"), grant.data_scope)),
    ]


async def bump_epoch() -> None:
    """Invalidate every worker's snapshot (all users, all roles, memoised menus)."""
    await get_authz().bump_epoch()


async def touch_user(user_id: int) -> None:
    """Invalidate one user's snapshot everywhere (profile, status, last login changed)."""
    await get_authz().touch_user(user_id)


async def delete_role_keys(code: str) -> None:
    """Drop the four keys of role ``code`` (deleted, disabled or renamed) and bump the epoch."""
    await _write("role keys", [("delete", tuple(role_keys(code)))])
    await bump_epoch()


async def load_role_permissions(role_code: str | None = None) -> None:
    """Rewrite the keys of one role (all roles when None); disabled roles keep no keys."""
    if role_code is None:
        codes: list[Any] = list(await Role.all().values_list("role_code", flat=True))
        grants = await role_grants(None)
    else:
        codes = [role_code]
        grants = await role_grants([role_code])
    commands: list[tuple[str, tuple[Any, ...]]] = [("delete", tuple(role_keys(str(code)))) for code in codes]
    for grant in grants.values():
        commands.extend(_role_commands(grant))
    await _write("role permissions", commands)
    await bump_epoch()


async def load_user_roles(user_id: int | Iterable[int] | None = None) -> None:
    """Rewrite ``user:{uid}:roles`` / ``role_home`` of one, some or all users, then invalidate them."""
    if user_id is None:
        all_ids: list[Any] = list(await User.all().values_list("id", flat=True))
        ids = [int(i) for i in all_ids]
        roles = await enabled_roles_of_users(None)
    else:
        ids = [user_id] if isinstance(user_id, int) else [int(i) for i in user_id]
        roles = await enabled_roles_of_users(ids)
    commands: list[tuple[str, tuple[Any, ...]]] = []
    for uid in ids:
        mine = roles.get(uid, [])
        commands.append(("set", (user_roles_key(uid), _dumps([code for code, _ in mine]))))
        commands.append(("set", (user_home_key(uid), home_of(mine))))
    await _write("user roles", commands)
    if user_id is None or len(ids) > 50:
        await bump_epoch()
    else:
        for uid in ids:
            await touch_user(uid)


async def load_token_versions(user_id: int | None = None) -> None:
    """Copy token versions from the database (the truth) into Redis."""
    query = User.all() if user_id is None else User.filter(id=user_id)
    rows = await query.values_list("id", "token_version")
    await _write("token versions", [("set", (token_version_key(int(uid)), int(version))) for uid, version in rows])


async def load_constant_routes() -> list[dict[str, Any]]:
    """Rebuild ``constant_routes`` from the menus and bump the epoch (menus changed)."""
    routes = await build_constant_routes()
    await _write("constant routes", [("set", (CONSTANT_ROUTES_KEY, _dumps(routes)))])
    await bump_epoch()
    return routes


async def refresh_users_of_role(role_id: int) -> None:
    """Recompute the role lists and homes of every user linked to role ``role_id``."""
    ids: list[Any] = list(await User.filter(by_user_roles__id=role_id).values_list("id", flat=True))
    await load_user_roles([int(i) for i in ids])


async def refresh_role(code: str, old_code: str | None = None) -> None:
    """After a role create/update: drop the old code's keys, reload the role and its users."""
    if old_code and old_code != code:
        await _write("role keys", [("delete", tuple(role_keys(old_code)))])
    await load_role_permissions(code)
    role_id: Any = await Role.filter(role_code=code).first().values_list("id", flat=True)
    if role_id is not None:
        await refresh_users_of_role(int(role_id))


async def refresh_all_cache() -> None:
    """Full rebuild: constant routes, every role's keys (stale codes removed), users, token versions."""
    runtime = get_authz()

    async def stale_role_keys(redis: Redis) -> list[str]:
        return [key async for key in redis.scan_iter(match="role:*", count=1000)]

    stale = await runtime.call("role key scan", stale_role_keys) or []
    if stale:
        await _write("role keys", [("delete", tuple(stale[i : i + 500])) for i in range(0, len(stale), 500)])
    await load_constant_routes()
    await load_role_permissions(None)
    await load_user_roles(None)
    await load_token_versions(None)
    await bump_epoch()


# ---- getters (Redis first, database when Redis is down or the key is missing) ----------
async def _get(key: str) -> str | None:
    async def read(redis: Redis) -> Any:
        return await redis.get(key)

    value = await get_authz().call("cache read", read)
    return str(value) if value is not None else None


async def get_constant_routes() -> list[dict[str, Any]]:
    raw = await _get(CONSTANT_ROUTES_KEY)
    return orjson.loads(raw) if raw else await build_constant_routes()


async def get_user_roles(user_id: int) -> list[str]:
    raw = await _get(user_roles_key(user_id))
    if raw is not None:
        return list(orjson.loads(raw))
    return [code for code, _ in (await enabled_roles_of_users([user_id])).get(user_id, [])]


async def get_user_home(user_id: int) -> str:
    raw = await _get(user_home_key(user_id))
    if raw is not None:
        return raw
    return home_of((await enabled_roles_of_users([user_id])).get(user_id, [])) or DEFAULT_HOME


async def _grant(code: str) -> RoleGrant | None:
    return (await role_grants([code])).get(code)


async def get_role_menus(code: str) -> list[int]:
    raw = await _get(role_key(code, "menus"))
    if raw is not None:
        return list(orjson.loads(raw))
    grant = await _grant(code)
    return sorted(grant.menu_ids) if grant else []


async def get_role_apis(code: str) -> list[dict[str, str]]:
    raw = await _get(role_key(code, "apis"))
    if raw is not None:
        return list(orjson.loads(raw))
    grant = await _grant(code)
    return [{"method": m, "path": p, "status": s} for (m, p), s in sorted(grant.apis.items())] if grant else []


async def get_role_buttons(code: str) -> list[str]:
    raw = await _get(role_key(code, "buttons"))
    if raw is not None:
        return list(orjson.loads(raw))
    grant = await _grant(code)
    return sorted(grant.buttons) if grant else []


async def get_role_data_scope(code: str) -> str | None:
    raw = await _get(role_key(code, "data_scope"))
    if raw is not None:
        return raw
    grant = await _grant(code)
    return grant.data_scope if grant else None


async def get_token_version(user_id: int) -> int:
    raw = await _get(token_version_key(user_id))
    if raw is not None:
        return int(raw)
    version: Any = await User.filter(id=user_id).first().values_list("token_version", flat=True)
    return int(version or 0)
