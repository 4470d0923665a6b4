"""Writers of the permission cache: database → Redis keys (spec data.md §7) → epoch bump.

Call these **after** the database commit of any write that changes who may
see or call what; every function ends by INCRementing ``authz:epoch`` (or
the user's revision), so every worker and replica drops its in-process
snapshot on its very next request. Each refresh takes a write ticket before
its database read and writes through a version check, so of two concurrent
refreshes the later read wins whatever order the writes land in
(``app.core.authz.writes``). Redis errors never fail the caller: they
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
from app.core.authz.writes import take_ticket, write_if_newer
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

#: Final state of each key for one refresh: the value to SET, or None to DEL.
Ops = dict[str, str | None]


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _ticket() -> int | None:
    """A write ticket (``app.core.authz.writes``); None while Redis is unreachable.

    Taken after the caller's commit and before the database read, so the
    refresh with the highest ticket read the newest state and its writes win.
    """
    return await get_authz().call("cache write ticket", take_ticket)


async def _write(what: str, ticket: int | None, ops: Ops) -> None:
    """Apply ``ops`` unless a higher ticket already wrote a key (skipped per key); errors only warn."""
    if ticket is None or not ops:
        return

    async def run(redis: Redis) -> int:
        return await write_if_newer(redis, ticket, ops)

    await get_authz().call(what, run)


def _role_values(grant: RoleGrant) -> Ops:
    apis = [{"method": m, "path": p, "status": s} for (m, p), s in sorted(grant.apis.items())]
    return {
        role_key(grant.code, "menus"): _dumps(sorted(grant.menu_ids)),
        role_key(grant.code, "apis"): _dumps(apis),
        role_key(grant.code, "buttons"): _dumps(sorted(grant.buttons)),
        role_key(grant.code, "data_scope"): grant.data_scope,
    }


async def _role_ops(role_code: str | None, stale_keys: Iterable[str] = ()) -> Ops:
    """Read one role (all roles when None): its keys, deleted unless the role is enabled."""
    if role_code is None:
        codes: list[Any] = list(await Role.all().values_list("role_code", flat=True))
        grants = await role_grants(None)
    else:
        codes = [role_code]
        grants = await role_grants([role_code])
    ops: Ops = dict.fromkeys(stale_keys)
    for code in codes:
        ops.update(dict.fromkeys(role_keys(str(code))))
    for grant in grants.values():
        ops.update(_role_values(grant))
    return ops


async def _user_role_ops(ids: list[int] | None) -> Ops:
    """Read the enabled role codes and home of these users (all users when None)."""
    if ids is None:
        all_ids: list[Any] = list(await User.all().values_list("id", flat=True))
        ids = [int(i) for i in all_ids]
        roles = await enabled_roles_of_users(None)
    else:
        roles = await enabled_roles_of_users(ids)
    ops: Ops = {}
    for uid in ids:
        mine = roles.get(uid, [])
        ops[user_roles_key(uid)] = _dumps([code for code, _ in mine])
        ops[user_home_key(uid)] = home_of(mine)
    return ops


async def _token_version_ops(user_id: int | None) -> Ops:
    query = User.all() if user_id is None else User.filter(id=user_id)
    rows = await query.values_list("id", "token_version")
    return {token_version_key(int(uid)): str(int(version)) for uid, version in rows}


async def bump_epoch() -> None:
    """Invalidate every worker's snapshot (all users, all roles, memoised menus)."""
    await get_authz().bump_epoch()


async def touch_user(user_id: int) -> None:
    """Invalidate one user's snapshot everywhere (profile, status, last login changed)."""
    await get_authz().touch_user(user_id)


async def delete_role_keys(code: str) -> None:
    """Drop the four keys of role ``code`` (deleted, disabled or renamed) and bump the epoch."""
    await _write("role keys", await _ticket(), dict.fromkeys(role_keys(code)))
    await bump_epoch()


async def load_role_permissions(role_code: str | None = None) -> None:
    """Rewrite the keys of one role (all roles when None); disabled roles keep no keys."""
    ticket = await _ticket()
    if ticket is not None:  # Redis down: nothing to write, the checks read the database
        await _write("role permissions", ticket, await _role_ops(role_code))
    await bump_epoch()


async def load_user_roles(user_id: int | Iterable[int] | None = None) -> None:
    """Rewrite ``user:{uid}:roles`` / ``role_home`` of one, some or all users, then invalidate them."""
    ids = None if user_id is None else [user_id] if isinstance(user_id, int) else [int(i) for i in user_id]
    ticket = await _ticket()
    if ticket is not None:
        await _write("user roles", ticket, await _user_role_ops(ids))
    if ids is None or len(ids) > 50:
        await bump_epoch()
    else:
        for uid in ids:
            await touch_user(uid)


async def load_token_versions(user_id: int | None = None) -> None:
    """Copy token versions from the database (the truth) into Redis."""
    ticket = await _ticket()
    if ticket is not None:
        await _write("token versions", ticket, await _token_version_ops(user_id))


async def load_constant_routes() -> list[dict[str, Any]]:
    """Rebuild ``constant_routes`` from the menus and bump the epoch (menus changed)."""
    ticket = await _ticket()
    routes = await build_constant_routes()
    await _write("constant routes", ticket, {CONSTANT_ROUTES_KEY: _dumps(routes)})
    await bump_epoch()
    return routes


async def refresh_users_of_role(role_id: int) -> None:
    """Recompute the role lists and homes of every user linked to role ``role_id``."""
    ids: list[Any] = list(await User.filter(by_user_roles__id=role_id).values_list("id", flat=True))
    await load_user_roles([int(i) for i in ids])


async def refresh_role(code: str, old_code: str | None = None) -> None:
    """After a role create/update: drop the old code's keys, reload the role and its users."""
    ticket = await _ticket()
    if ticket is not None:
        stale = role_keys(old_code) if old_code and old_code != code else []
        await _write("role permissions", ticket, await _role_ops(code, stale))
    await bump_epoch()
    role_id: Any = await Role.filter(role_code=code).first().values_list("id", flat=True)
    if role_id is not None:
        await refresh_users_of_role(int(role_id))


async def refresh_all_cache() -> None:
    """Full rebuild: constant routes, every role's keys (stale codes removed), users, token versions.

    One fresh ticket covers the whole rebuild: every read follows it, so the
    rebuild wins over any refresh that took its ticket earlier.
    """
    runtime = get_authz()
    ticket = await _ticket()
    if ticket is not None:

        async def role_key_scan(redis: Redis) -> list[str]:
            return [key async for key in redis.scan_iter(match="role:*", count=1000)]

        stale = await runtime.call("role key scan", role_key_scan) or []
        ops: Ops = {CONSTANT_ROUTES_KEY: _dumps(await build_constant_routes())}
        ops.update(await _role_ops(None, stale))
        await _write("role permissions", ticket, ops)
        await _write("user roles", ticket, await _user_role_ops(None))
        await _write("token versions", ticket, await _token_version_ops(None))
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
