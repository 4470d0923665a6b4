"""The system's declarative seed (spec seeds.md §1-3, §5, §7).

Applied by the leader at every start in create-only mode (see
``app.system.startup``): missing rows are created, rows an administrator
edited are left alone. Plain data: importing this module does nothing.
"""

from __future__ import annotations

from app.system.services.init_helper import DictionarySpec, InitData, MenuSpec, RoleSpec, UserSpec

DEFAULT_PASSWORD = "123456"
_MANAGE = "/api/v1/system-manage"


def _page(  # noqa: PLR0917 - positional on purpose: each call reads like a row of seeds.md §3
    route_name: str, menu_name: str, route_path: str, component: str | None, order: int, icon: str | None, **extra: object
) -> MenuSpec:
    spec: MenuSpec = {
        "route_name": route_name,
        "menu_name": menu_name,
        "route_path": route_path,
        "component": component,
        "order": order,
        "icon": icon,
    }
    spec.update(extra)  # type: ignore[typeddict-item]  # flags are MenuSpec keys
    return spec


def _constant(name: str, order: int, **extra: object) -> MenuSpec:
    return _page(name, name, f"/{name}", f"layout.blank$view.{name}", order, None, menu_type="1", constant=True, hide_in_menu=True, **extra)


SYSTEM_MENUS: list[MenuSpec] = [
    _constant("login", 1, props=True),
    _constant("403", 2),
    _constant("404", 3),
    _constant("500", 4),
    _page("home", "首页", "/home", "layout.base$view.home", 1, "mdi:monitor-dashboard", menu_type="2"),
    _page("user-center", "个人中心", "/user-center", "layout.base$view.user-center", 99, None, menu_type="2", hide_in_menu=True),
    _page(
        "manage",
        "系统管理",
        "/manage",
        "layout.base",
        1,
        "carbon:cloud-service-management",
        menu_type="1",
        children=[
            _page("manage_api", "API管理", "/manage/api", "view.manage_api", 1, "ant-design:api-outlined"),
            _page("manage_user", "用户管理", "/manage/user", "view.manage_user", 2, "ic:round-manage-accounts"),
            _page("manage_role", "角色管理", "/manage/role", "view.manage_role", 3, "carbon:user-role"),
            _page("manage_menu", "菜单管理", "/manage/menu", "view.manage_menu", 4, "material-symbols:route"),
            _page("manage_codegen", "代码生成", "/manage/codegen", "view.manage_codegen", 5, "mdi:code-json"),
            _page("manage_user-detail", "用户详情", "/manage/user-detail/:id", "view.manage_user-detail", 5, None, hide_in_menu=True),
            _page(
                "manage_radar",
                "性能监控",
                "/manage/radar",
                None,
                7,
                "mdi:radar",
                menu_type="1",
                children=[
                    _page(
                        "manage_radar_overview",
                        "仪表板",
                        "/manage/radar/overview",
                        "view.manage_radar_overview",
                        1,
                        "mdi:chart-box-outline",
                    ),
                    _page(
                        "manage_radar_requests",
                        "请求列表",
                        "/manage/radar/requests",
                        "view.manage_radar_requests",
                        2,
                        "mdi:swap-horizontal",
                    ),
                    _page(
                        "manage_radar_queries", "SQL查询", "/manage/radar/queries", "view.manage_radar_queries", 3, "mdi:database-search"
                    ),
                    _page(
                        "manage_radar_exceptions",
                        "异常列表",
                        "/manage/radar/exceptions",
                        "view.manage_radar_exceptions",
                        4,
                        "mdi:bug-outline",
                    ),
                    _page(
                        "manage_radar_monitor", "系统监控", "/manage/radar/monitor", "view.manage_radar_monitor", 5, "mdi:monitor-dashboard"
                    ),
                ],
            ),
        ],
    ),
]


def _grants(resource: str, *pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(method, f"{_MANAGE}/{resource}{suffix}") for method, suffix in pairs]


_STANDARD = (("post", "/search"), ("post", ""), ("patch", "/{item_id}"), ("delete", "/{item_id}"), ("delete", ""))

#: R_ADMIN's 31 API grants (seeds.md §5).
ADMIN_APIS: list[tuple[str, str]] = [
    *_grants("users", *_STANDARD, ("post", "/{user_id}/offline"), ("post", "/batch-offline")),
    *_grants(
        "roles",
        *_STANDARD,
        *((method, f"/{{role_id}}/{sub}") for sub in ("menus", "buttons", "apis") for method in ("get", "patch")),
    ),
    *_grants("menus", *_STANDARD, ("get", "/tree"), ("get", "/pages"), ("get", "/buttons/tree")),
    *_grants("apis", ("post", "/search"), ("get", "/tree"), ("get", "/tags"), ("patch", "/{api_id}/status")),
    *_grants("dictionaries", ("get", "/{dict_type}/options")),
]

ADMIN_MENUS = [
    "home",
    "user-center",
    "manage",
    "manage_user",
    "manage_user-detail",
    "manage_role",
    "manage_menu",
    "manage_api",
    "manage_codegen",
    "manage_radar",
    "manage_radar_overview",
    "manage_radar_requests",
    "manage_radar_queries",
    "manage_radar_exceptions",
    "manage_radar_monitor",
]

SYSTEM_ROLES: list[RoleSpec] = [
    {
        "role_code": "R_ADMIN",
        "role_name": "管理员",
        "role_desc": "系统管理员，可维护用户/角色/菜单/API/字典/监控",
        "data_scope": "all",
        "home_route": "home",
        "menus": ADMIN_MENUS,
        "buttons": [],
        "apis": list(ADMIN_APIS),
    },
    {
        "role_code": "R_USER",
        "role_name": "普通用户",
        "role_desc": "基础用户，仅可访问首页",
        "data_scope": "self",
        "home_route": "home",
        "menus": ["home", "user-center"],
    },
]


def _user(name: str, email: str, role: str) -> UserSpec:
    return {"user_name": name, "password": DEFAULT_PASSWORD, "user_email": email, "user_gender": "3", "roles": [role]}


SYSTEM_USERS: list[UserSpec] = [
    _user("Soybean", "admin@admin.com", "R_SUPER"),
    _user("Super", "admin1@admin.com", "R_SUPER"),
    _user("Admin", "admin2@admin.com", "R_ADMIN"),
    _user("User", "user@user.com", "R_USER"),
]

#: The system dictionary seed is empty (seeds.md §7).
SYSTEM_DICTIONARIES: list[DictionarySpec] = []

#: The whole system seed; ``R_SUPER`` is handled apart (``ensure_super_role``).
SYSTEM_INIT_DATA: InitData = {"menus": SYSTEM_MENUS, "roles": SYSTEM_ROLES, "users": SYSTEM_USERS, "dictionaries": SYSTEM_DICTIONARIES}
