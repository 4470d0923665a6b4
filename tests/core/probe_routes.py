"""A router of probe endpoints guarded by the request-time checks (used by dependency/cache tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI

from app.core.data_scope import get_current_data_scope
from app.core.dependency import (
    DependAuth,
    DependPermission,
    get_current_user,
    get_current_user_id,
    has_button_code,
    has_role_code,
    is_super_admin,
    require_buttons,
    require_roles,
)
from app.core.responses import Success
from tests import services
from tests.conftest import reset_database

PREFIX = "/api/v1/probe"
ITEM_TEMPLATE = f"{PREFIX}/items/{{item_id}}"
BATCH_PATH = f"{PREFIX}/items/batch-offline"

router = APIRouter(prefix="/probe")


@router.post("/items/batch-offline", dependencies=[DependPermission])
async def probe_batch() -> Success:
    return Success("batch")


@router.get("/items/{item_id}", dependencies=[DependPermission])
async def probe_item(item_id: str) -> Success:
    return Success(item_id)


@router.get("/buttons/any", dependencies=[require_buttons("B_A", "B_B")])
async def probe_buttons_any() -> Success:
    return Success(True)


@router.get("/buttons/all", dependencies=[require_buttons("B_A", "B_B", require_all=True)])
async def probe_buttons_all() -> Success:
    return Success(True)


@router.get("/roles/any", dependencies=[require_roles("R_X", "R_Y")])
async def probe_roles_any() -> Success:
    return Success(True)


@router.get("/roles/all", dependencies=[require_roles("R_X", "R_Y", require_all=True)])
async def probe_roles_all() -> Success:
    return Success(True)


@router.get("/whoami", dependencies=[DependAuth])
async def probe_whoami() -> Success:
    user = await get_current_user()
    data: dict[str, Any] = {
        "userId": get_current_user_id(),
        "userName": user.user_name,
        "scope": str(get_current_data_scope()),
        "super": is_super_admin(),
        "hasUser": has_role_code("R_USER"),
        "hasButtonA": has_button_code("B_A"),
    }
    return Success(data)


async def started_probe_app(app_factory: Callable[..., FastAPI], backend: services.Backend, **overrides: Any) -> AsyncIterator[FastAPI]:
    application = app_factory(**overrides)
    application.include_router(router, prefix="/api/v1")
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        yield application
