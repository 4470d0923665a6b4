"""``/api/v1/route`` (tag 路由管理): the frontend's constant and per-user routes."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.core.dependency import AuthAccess, DependAuth
from app.core.responses import Success
from app.system.services import routes as service

router = APIRouter(prefix="/route", tags=["路由管理"])


@router.get("/constant-routes", summary="查看常量路由(公共路由)")
async def get_constant_routes() -> Success:
    return Success(await service.constant_routes())


@router.get("/user-routes", summary="查看用户路由菜单")
async def get_user_routes(access: AuthAccess) -> Success:
    return Success(await service.user_routes(access))


@router.get("/exists", summary="路由是否存在", dependencies=[DependAuth])
async def route_exists(name: str = Query(min_length=1, max_length=100)) -> Success:
    return Success(await service.route_exists(name))
