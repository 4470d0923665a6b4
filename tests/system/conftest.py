"""System fixtures: the default accounts and their tokens.

``seeded`` makes sure the seed accounts exist — Super (R_SUPER), Admin
(R_ADMIN), User (R_USER), password 123456 — creating whatever the start-up
seeds did not (missing menus/roles/users are added through the ORM, existing
ones are left alone), then rebuilds the permission cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.model import MenuType, StatusType
from app.core.security import hash_password
from app.system.models import Menu, Role, User
from app.system.services.authz_loader import refresh_all_cache

PASSWORD = "123456"

FIXTURE_MENUS: list[dict[str, Any]] = [
    {"route_name": "login", "route_path": "/login", "menu_name": "login", "component": "layout.blank$view.login", "order": 1,
     "constant": True, "hide_in_menu": True, "props": True, "menu_type": MenuType.catalog},
    {"route_name": "home", "route_path": "/home", "menu_name": "首页", "component": "layout.base$view.home", "order": 1,
     "icon": "mdi:monitor-dashboard", "icon_type": "1", "menu_type": MenuType.menu},
    {"route_name": "user-center", "route_path": "/user-center", "menu_name": "个人中心", "component": "layout.base$view.user-center",
     "order": 99, "hide_in_menu": True, "menu_type": MenuType.menu},
    {"route_name": "manage", "route_path": "/manage", "menu_name": "系统管理", "component": "layout.base", "order": 1,
     "menu_type": MenuType.catalog},
    {"route_name": "manage_user", "route_path": "/manage/user", "menu_name": "用户管理", "component": "view.manage_user", "order": 2,
     "menu_type": MenuType.menu, "parent": "manage"},
]  # fmt: skip

FIXTURE_ROLES = {
    "R_SUPER": ("超级管理员", "all", ["home", "user-center", "manage", "manage_user"]),
    "R_ADMIN": ("管理员", "all", ["home", "user-center", "manage", "manage_user"]),
    "R_USER": ("普通用户", "self", ["home", "user-center"]),
}
FIXTURE_USERS = {"Soybean": ("R_SUPER", "admin@admin.com"), "Super": ("R_SUPER", "admin1@admin.com"),
                 "Admin": ("R_ADMIN", "admin2@admin.com"), "User": ("R_USER", "user@user.com")}  # fmt: skip


async def ensure_fixture_rbac() -> None:
    """Create the seed menus, roles and accounts that do not exist yet."""
    for declared in FIXTURE_MENUS:
        spec = dict(declared)
        parent = spec.pop("parent", None)
        if not await Menu.filter(route_name=spec["route_name"]).exists():
            parent_id = (await Menu.get(route_name=parent)).id if parent else 0
            await Menu.create(parent_id=parent_id, i18n_key=f"route.{spec['route_name']}", **spec)
    home = await Menu.get(route_name="home")
    for code, (name, scope, menus) in FIXTURE_ROLES.items():
        role = await Role.filter(role_code=code).first()
        if role is None:
            role = await Role.create(role_code=code, role_name=name, role_desc=name, data_scope=scope, by_role_home=home)
            await role.by_role_menus.add(*await Menu.filter(route_name__in=menus))
    hashed = await hash_password(PASSWORD)
    for user_name, (code, email) in FIXTURE_USERS.items():
        if await User.filter(user_name=user_name).exists():
            continue
        user = await User.create(user_name=user_name, nick_name=user_name, user_email=email, password=hashed)
        await user.by_user_roles.add(await Role.get(role_code=code))
    await refresh_all_cache()


async def create_user(user_name: str, *, roles: tuple[str, ...] = (), status: StatusType = StatusType.enable, **fields: Any) -> User:
    """A user with password 123456 and the given role codes (cache refreshed)."""
    user = await User.create(user_name=user_name, nick_name=user_name, password=await hash_password(PASSWORD), status_type=status, **fields)
    if roles:
        await user.by_user_roles.add(*await Role.filter(role_code__in=roles))
    await refresh_all_cache()
    return user


async def do_login(client: httpx.AsyncClient, user_name: str, password: str = PASSWORD) -> str:
    """Log in and return the access token (fails the test on any other answer)."""
    body = (await client.post("/api/v1/auth/login", json={"userName": user_name, "password": password})).json()
    assert body["code"] == "0000", body
    return str(body["data"]["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def seeded(app: FastAPI) -> None:
    await ensure_fixture_rbac()


@pytest.fixture
def login(seeded: None) -> Callable[[httpx.AsyncClient, str, str], Awaitable[str]]:
    """``await login(client, "Admin", "123456") -> access token``."""
    return do_login


@pytest.fixture
async def super_token(client: httpx.AsyncClient, seeded: None) -> str:
    return await do_login(client, "Super")


@pytest.fixture
async def admin_token(client: httpx.AsyncClient, seeded: None) -> str:
    return await do_login(client, "Admin")


@pytest.fixture
async def user_token(client: httpx.AsyncClient, seeded: None) -> str:
    return await do_login(client, "User")
