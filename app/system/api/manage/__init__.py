"""``/api/v1/system-manage``: what an administrator does from the web frontend.

Every route sits behind ``DependPermission``: the caller's enabled roles must
grant the (method, route template) pair, ``R_SUPER`` passes.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.core.code import Code
from app.core.dependency import DependPermission
from app.core.exceptions import register_unique_constraint
from app.system.api.manage.apis import router as apis_router
from app.system.api.manage.dictionaries import router as dictionaries_router
from app.system.api.manage.menus import router as menus_router
from app.system.api.manage.roles import router as roles_router
from app.system.api.manage.users import router as users_router

PREFIX = "/system-manage"

#: Unique-constraint fragments → specific codes, for inserts that race past the service checks.
_UNIQUE_CONSTRAINTS = (
    ("user_name", Code.DUPLICATE_USER_NAME),
    ("user_email", Code.DUPLICATE_USER_EMAIL),
    ("role_code", Code.DUPLICATE_ROLE_CODE),
    ("role_name", Code.DUPLICATE_ROLE_NAME),
    ("route_path", Code.DUPLICATE_MENU_ROUTE),
    ("route_name", Code.DUPLICATE_MENU_ROUTE),
    ("dict_ty", Code.DUPLICATE_DICTIONARY),
)


def build_manage_router() -> APIRouter:
    """The system-management router (mount it under ``/api/v1``)."""
    for fragment, code in _UNIQUE_CONSTRAINTS:
        register_unique_constraint(fragment, code)
    router = APIRouter(prefix=PREFIX, dependencies=[DependPermission])
    for child in (users_router, roles_router, menus_router, apis_router, dictionaries_router):
        router.include_router(child)
    return router


__all__ = ["PREFIX", "build_manage_router"]
