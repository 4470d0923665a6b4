"""Two refreshes of the same role or user that read the database in one order and write Redis in the
other (read A, read B, write B, write A) leave Redis on B's state, the newer one.

Each refresh is the loader's own three steps — ticket, database read, write — run in that interleaving.
"""

from __future__ import annotations

import json

from fastapi import FastAPI

from app.core.authz.keys import role_key, role_keys, user_home_key, user_roles_key
from app.core.model import StatusType
from app.system.models import Api, Menu, Role
from app.system.services.authz_loader import (
    _role_ops,
    _ticket,
    _user_role_ops,
    _write,
    delete_role_keys,
    load_role_permissions,
    refresh_all_cache,
)
from tests.system.conftest import create_user

SEARCH = "/api/v1/system-manage/{}/search"


async def _cached_api_paths(app: FastAPI, code: str) -> set[str] | None:
    raw = await app.state.redis.get(role_key(code, "apis"))
    return None if raw is None else {entry["path"] for entry in json.loads(raw)}


async def _grant_only(role: Role, resource: str) -> None:
    await role.by_role_apis.clear()
    await role.by_role_apis.add(await Api.get(api_method="post", api_path=SEARCH.format(resource)))


async def test_role_write_of_an_older_read_arriving_last_is_skipped(app: FastAPI, seeded: None) -> None:
    role = await Role.create(role_code="R_RACE", role_name="race", by_role_home=await Menu.get(route_name="home"))
    await _grant_only(role, "users")  # edit A commits
    ticket_a = await _ticket()
    read_a = await _role_ops("R_RACE")
    await _grant_only(role, "roles")  # edit B commits
    ticket_b = await _ticket()
    read_b = await _role_ops("R_RACE")
    await _write("role permissions", ticket_b, read_b)
    await _write("role permissions", ticket_a, read_a)
    assert await _cached_api_paths(app, "R_RACE") == {SEARCH.format("roles")}


async def test_user_roles_write_of_an_older_read_arriving_last_is_skipped(app: FastAPI, seeded: None) -> None:
    user = await create_user("flipper", roles=("R_USER",))  # edit A committed
    ticket_a = await _ticket()
    read_a = await _user_role_ops([user.id])
    await user.by_user_roles.clear()
    await user.by_user_roles.add(await Role.get(role_code="R_ADMIN"))  # edit B commits
    ticket_b = await _ticket()
    read_b = await _user_role_ops([user.id])
    await _write("user roles", ticket_b, read_b)
    await _write("user roles", ticket_a, read_a)
    assert json.loads(await app.state.redis.get(user_roles_key(user.id))) == ["R_ADMIN"]
    assert await app.state.redis.get(user_home_key(user.id)) == "home"


async def test_a_stale_write_cannot_bring_back_keys_a_newer_refresh_deleted(app: FastAPI, seeded: None) -> None:
    role = await Role.get(role_code="R_USER")
    ticket_a = await _ticket()
    read_a = await _role_ops("R_USER")  # read while enabled
    role.status_type = StatusType.disable
    await role.save()
    await delete_role_keys("R_USER")
    await _write("role permissions", ticket_a, read_a)
    assert await app.state.redis.exists(*role_keys("R_USER")) == 0


async def test_a_full_rebuild_wins_over_refreshes_that_took_their_ticket_before_it(app: FastAPI, seeded: None) -> None:
    role = await Role.create(role_code="R_RACE", role_name="race", by_role_home=await Menu.get(route_name="home"))
    await _grant_only(role, "users")
    ticket_a = await _ticket()
    read_a = await _role_ops("R_RACE")
    await _grant_only(role, "menus")
    await refresh_all_cache()
    await _write("role permissions", ticket_a, read_a)
    assert await _cached_api_paths(app, "R_RACE") == {SEARCH.format("menus")}
    await _grant_only(role, "apis")
    await load_role_permissions("R_RACE")  # and later refreshes still land
    assert await _cached_api_paths(app, "R_RACE") == {SEARCH.format("apis")}
