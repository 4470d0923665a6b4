"""``/system-manage/apis``: the read-only API catalogue and its status switch (api.md §3.4)."""

from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.dependency import AuthAccess
from app.core.responses import Success, SuccessExtra
from app.core.router import CRUDRouter, message
from app.core.sqids import encode_id
from app.core.types import SqidPath
from app.system.controllers import api_controller
from app.system.schemas.apis import ApiSearch, ApiStatusUpdate
from app.system.services import apis as api_service

router = CRUDRouter(
    "/apis",
    api_controller,
    list_schema=ApiSearch,
    summary_prefix="API",
    route_key_prefix="system.apis",
    enable_routes=("list", "get"),
    tags=["API管理"],
)


@router.override("list")
async def list_apis(body: ApiSearch, access: AuthAccess) -> SuccessExtra:
    total, records = await api_service.search_apis(body, access)
    return SuccessExtra(records, total=total, current=body.current, size=body.size)


@router.override("get")
async def get_api(item_id: SqidPath, access: AuthAccess) -> Success:
    return Success(await api_service.get_api(item_id, access))


@router.get("/tree", summary="查看API树", name="system.apis.tree")
async def get_api_tree() -> Success:
    return Success(await api_service.api_tree())


@router.get("/tags", summary="查看API tags", name="system.apis.tags")
async def list_api_tags(request: Request) -> Success:
    tags = [
        [str(tag) for tag in context.tags]
        for context in iter_route_contexts(list(request.app.routes))
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
    ]
    return Success(api_service.tag_options(tags))


@router.patch("/{api_id}/status", summary="更新API状态", name="system.apis.update_status")
async def update_api_status(api_id: SqidPath, body: ApiStatusUpdate) -> Success:
    await api_service.set_api_status(api_id, body.status_type)
    return Success({"updatedId": encode_id(api_id)}, msg=message("update"))
