"""``/system-manage/menus``: the menu table and the trees the permission editors use (api.md §3.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from app.core.responses import Success
from app.core.router import CRUDRouter, message
from app.core.schema import CommonIds
from app.core.sqids import encode_id
from app.core.types import SqidPath
from app.system.controllers import menu_controller
from app.system.schemas.menus import MenuCreate, MenuSearch, MenuUpdate
from app.system.services import menus as menu_service

router = CRUDRouter(
    "/menus",
    menu_controller,
    create_schema=MenuCreate,
    update_schema=MenuUpdate,
    summary_prefix="菜单",
    route_key_prefix="system.menus",
    tags=["菜单管理"],
)


def _module_names(request: Request) -> list[str]:
    return [spec.name for spec in getattr(request.app.state, "business_modules", None) or []]


@router.post("/search", summary="查看菜单列表", name="system.menus.list")
async def list_menus(request: Request, body: MenuSearch) -> Success:
    total, tree = await menu_service.search_menus(body, _module_names(request))
    return Success({"records": tree, "total": total, "current": body.current, "size": body.size})


@router.get("/tree", summary="查看菜单树", name="system.menus.tree")
async def get_menu_tree(include_hidden: Annotated[bool, Query(alias="includeHidden")] = False) -> Success:
    return Success(await menu_service.menu_tree(include_hidden=include_hidden))


@router.get("/pages", summary="查看一级菜单", name="system.menus.pages")
async def list_menu_pages() -> Success:
    return Success(await menu_service.menu_pages())


@router.get("/buttons/tree", summary="查看菜单按钮树", name="system.menus.button_tree")
async def get_menu_button_tree() -> Success:
    return Success(await menu_service.menu_button_tree())


@router.override("get")
async def get_menu(item_id: SqidPath) -> Success:
    return Success(await menu_service.get_menu(item_id))


@router.override("create")
async def create_menu(body: MenuCreate) -> Success:
    created = await menu_service.create_menu(body)
    return Success({"createdId": encode_id(created)}, msg=message("create"))


@router.override("update")
async def update_menu(item_id: SqidPath, body: MenuUpdate) -> Success:
    await menu_service.update_menu(item_id, body)
    return Success({"updatedId": encode_id(item_id)}, msg=message("update"))


@router.override("delete")
async def delete_menu(item_id: SqidPath) -> Success:
    await menu_service.delete_menus([item_id], strict=True)
    return Success({"deletedId": encode_id(item_id)}, msg=message("delete"))


@router.override("batch_delete")
async def batch_delete_menus(body: CommonIds) -> Success:
    deleted = await menu_service.delete_menus(body.ids, strict=False)
    return Success({"deletedCount": len(deleted), "deletedIds": [encode_id(pk) for pk in deleted]}, msg=message("delete"))
