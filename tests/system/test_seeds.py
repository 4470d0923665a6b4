"""System seeds (seeds.md §1-3, §5, §7) and what a restart may and may not change."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from app.core.security import verify_password
from app.system.api.route_table import live_routes
from app.system.init_data import ADMIN_APIS, ADMIN_MENUS
from app.system.models import Api, Button, Dictionary, Menu, Role, User

#: seeds.md §3: id, route_name, parent route, type, component, order, icon, constant, hide_in_menu, props
MENU_TABLE = [
    (1, "login", None, "1", "layout.blank$view.login", 1, None, True, True, True),
    (2, "403", None, "1", "layout.blank$view.403", 2, None, True, True, False),
    (3, "404", None, "1", "layout.blank$view.404", 3, None, True, True, False),
    (4, "500", None, "1", "layout.blank$view.500", 4, None, True, True, False),
    (5, "home", None, "2", "layout.base$view.home", 1, "mdi:monitor-dashboard", False, False, False),
    (6, "user-center", None, "2", "layout.base$view.user-center", 99, None, False, True, False),
    (7, "manage", None, "1", "layout.base", 1, "carbon:cloud-service-management", False, False, False),
    (8, "manage_api", "manage", "2", "view.manage_api", 1, "ant-design:api-outlined", False, False, False),
    (9, "manage_user", "manage", "2", "view.manage_user", 2, "ic:round-manage-accounts", False, False, False),
    (10, "manage_role", "manage", "2", "view.manage_role", 3, "carbon:user-role", False, False, False),
    (11, "manage_menu", "manage", "2", "view.manage_menu", 4, "material-symbols:route", False, False, False),
    (12, "manage_codegen", "manage", "2", "view.manage_codegen", 5, "mdi:code-json", False, False, False),
    (13, "manage_user-detail", "manage", "2", "view.manage_user-detail", 5, None, False, True, False),
    (14, "manage_radar", "manage", "1", None, 7, "mdi:radar", False, False, False),
    (15, "manage_radar_overview", "manage_radar", "2", "view.manage_radar_overview", 1, "mdi:chart-box-outline", False, False, False),
    (16, "manage_radar_requests", "manage_radar", "2", "view.manage_radar_requests", 2, "mdi:swap-horizontal", False, False, False),
    (17, "manage_radar_queries", "manage_radar", "2", "view.manage_radar_queries", 3, "mdi:database-search", False, False, False),
    (18, "manage_radar_exceptions", "manage_radar", "2", "view.manage_radar_exceptions", 4, "mdi:bug-outline", False, False, False),
    (19, "manage_radar_monitor", "manage_radar", "2", "view.manage_radar_monitor", 5, "mdi:monitor-dashboard", False, False, False),
]


@asynccontextmanager
async def restarted(app_factory: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAPI]:
    """Start a new server process's app (a new boot id), as a restart does."""
    monkeypatch.setenv("TRELLIS_BOOT_ID", uuid.uuid4().hex)
    monkeypatch.setenv("TRELLIS_BOOT_TIME", f"{time.time():.3f}")
    application = app_factory()
    async with application.router.lifespan_context(application):
        yield application


async def counts() -> dict[str, int]:
    return {model.__name__: await model.all().count() for model in (User, Role, Menu, Api, Button, Dictionary)}


async def role_grants(code: str) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    role = await Role.get(role_code=code)
    menus = {m.route_name for m in await role.by_role_menus.all()}
    buttons = {b.button_code for b in await role.by_role_buttons.all()}
    apis = {(a.api_method.value, a.api_path) for a in await role.by_role_apis.all()}
    return menus, buttons, apis


async def test_the_menu_tree_is_seeded_exactly(app: FastAPI) -> None:
    menus = await Menu.all().order_by("id")
    by_id = {m.id: m.route_name for m in menus}
    base = menus[0].id - 1  # ids 1-19 on a fresh database; SQLite's test reset does not rewind the sequence
    actual = [
        (
            m.id - base,
            m.route_name,
            by_id.get(m.parent_id),
            m.menu_type.value,
            m.component,
            m.order,
            m.icon,
            m.constant,
            m.hide_in_menu,
            m.props,
        )
        for m in menus
    ]
    assert actual == MENU_TABLE
    for menu in menus:
        assert (menu.i18n_key, menu.status_type, menu.keep_alive, menu.multi_tab) == (f"route.{menu.route_name}", "1", False, False)
        assert menu.icon_type == ("1" if menu.icon else None)
        assert (menu.href, menu.redirect, menu.active_menu_id, menu.fixed_index_in_tab) == (None, None, None, None)
    assert await Button.all().count() == 0
    assert await Dictionary.all().count() == 0


async def test_roles_are_seeded_with_their_grants(app: FastAPI) -> None:
    roles = {r.role_code: r for r in await Role.all()}
    base = roles["R_SUPER"].id - 1  # see the menu test about the ids
    assert {code: r.id - base for code, r in roles.items()} == {"R_SUPER": 1, "R_ADMIN": 2, "R_USER": 3}
    home = await Menu.get(route_name="home")
    assert all(r.by_role_home_id == home.id and r.status_type == "1" for r in roles.values())
    assert (roles["R_SUPER"].role_name, roles["R_SUPER"].role_desc, roles["R_SUPER"].data_scope) == ("超级管理员", "超级管理员", "all")
    assert (roles["R_ADMIN"].role_name, roles["R_ADMIN"].data_scope) == ("管理员", "all")
    assert roles["R_ADMIN"].role_desc == "系统管理员，可维护用户/角色/菜单/API/字典/监控"
    assert (roles["R_USER"].role_name, roles["R_USER"].role_desc, roles["R_USER"].data_scope) == (
        "普通用户",
        "基础用户，仅可访问首页",
        "self",
    )
    non_constant = {m.route_name for m in await Menu.filter(constant=False)}
    assert await role_grants("R_SUPER") == (non_constant, set(), set())
    assert len(ADMIN_APIS) == 31
    assert await role_grants("R_ADMIN") == (set(ADMIN_MENUS), set(), set(ADMIN_APIS))
    assert await role_grants("R_USER") == ({"home", "user-center"}, set(), set())


async def test_users_are_seeded_with_password_123456(app: FastAPI) -> None:
    expected = {"Soybean": ("admin@admin.com", "R_SUPER"), "Super": ("admin1@admin.com", "R_SUPER")}
    expected |= {"Admin": ("admin2@admin.com", "R_ADMIN"), "User": ("user@user.com", "R_USER")}
    users = await User.all().order_by("id").prefetch_related("by_user_roles")
    assert [u.user_name for u in users] == ["Soybean", "Super", "Admin", "User"]
    for user in users:
        email, role = expected[user.user_name]
        assert (user.user_email, [r.role_code for r in user.by_user_roles]) == (email, [role])
        assert (user.nick_name, user.user_gender, user.status_type, user.must_change_password) == (user.user_name, "3", "1", False)
        assert await verify_password("123456", user.password)


async def test_the_api_catalogue_matches_the_routes(app: FastAPI) -> None:
    rows = {(a.api_method.value, a.api_path) for a in await Api.all()}
    assert rows == set(live_routes(app))
    assert set(ADMIN_APIS) <= rows
    assert not any(path in ("/health", "/health/live", "/health/ready") for _, path in rows)


async def test_a_restart_creates_no_duplicates(app: FastAPI, app_factory: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch) -> None:
    before = await counts()
    async with restarted(app_factory, monkeypatch):
        assert await counts() == before


async def test_a_restart_keeps_administrators_edits(
    app: FastAPI, app_factory: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin_role = await Role.get(role_code="R_ADMIN")
    kept_apis = await Api.filter(api_path__startswith="/api/v1/system-manage/users")
    await admin_role.by_role_apis.clear()
    await admin_role.by_role_apis.add(*kept_apis)
    await admin_role.by_role_menus.remove(await Menu.get(route_name="manage_codegen"))
    await Role.filter(role_code="R_ADMIN").update(role_name="Administrators", data_scope="self")
    await Role.filter(role_code="R_USER").update(status_type="2")
    await User.filter(user_name="Admin").update(nick_name="The Admin", must_change_password=True, user_email="boss@x.io")
    admin_user = await User.get(user_name="Admin")
    await admin_user.by_user_roles.clear()
    await admin_user.by_user_roles.add(await Role.get(role_code="R_USER"))
    await Menu.filter(route_name="manage_api").update(menu_name="APIs")

    async with restarted(app_factory, monkeypatch):
        menus, _, apis = await role_grants("R_ADMIN")
        assert apis == {(a.api_method.value, a.api_path) for a in kept_apis}
        assert menus == set(ADMIN_MENUS) - {"manage_codegen"}
        role = await Role.get(role_code="R_ADMIN")
        assert (role.role_name, role.data_scope) == ("Administrators", "self")
        assert (await Role.get(role_code="R_USER")).status_type == "2"
        user = await User.get(user_name="Admin")
        assert (user.nick_name, user.must_change_password, user.user_email) == ("The Admin", True, "boss@x.io")
        assert [r.role_code for r in await user.by_user_roles.all()] == ["R_USER"]
        assert (await Menu.get(route_name="manage_api")).menu_name == "APIs"


async def test_a_restart_recreates_missing_seeds_and_reattaches_r_super(
    app: FastAPI, app_factory: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    await User.filter(user_name="User").delete()
    await Menu.filter(route_name="manage_radar_monitor").delete()
    super_role = await Role.get(role_code="R_SUPER")
    await super_role.by_role_menus.clear()
    hand_made = await Menu.create(route_name="reports", menu_name="Reports", route_path="/reports", menu_type="2", component="layout.base")
    button = await Button.create(button_code="B_REPORT_EXPORT", button_desc="export")
    await hand_made.by_menu_buttons.add(button)

    async with restarted(app_factory, monkeypatch):
        assert await User.filter(user_name="User").exists()
        assert await Menu.filter(route_name="manage_radar_monitor").exists()
        menus, buttons, _ = await role_grants("R_SUPER")
        assert menus == {m.route_name for m in await Menu.filter(constant=False)}
        assert "reports" in menus and buttons == {"B_REPORT_EXPORT"}
