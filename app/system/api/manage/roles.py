"""``/system-manage/roles``: the role table and each role's menus, buttons and APIs (api.md §3.2)."""

from __future__ import annotations

from app.core.responses import Success, SuccessExtra
from app.core.router import CRUDRouter, message
from app.core.schema import CommonIds
from app.core.sqids import encode_id
from app.core.types import SqidPath
from app.system.controllers import role_controller
from app.system.schemas.roles import RoleApisUpdate, RoleButtonsUpdate, RoleCreate, RoleMenusUpdate, RoleSearch, RoleUpdate
from app.system.services import role_grants
from app.system.services import roles as role_service

router = CRUDRouter(
    "/roles",
    role_controller,
    create_schema=RoleCreate,
    update_schema=RoleUpdate,
    list_schema=RoleSearch,
    summary_prefix="角色",
    route_key_prefix="system.roles",
    tags=["角色管理"],
)


@router.override("list")
async def list_roles(body: RoleSearch) -> SuccessExtra:
    total, records = await role_service.search_roles(body)
    return SuccessExtra(records, total=total, current=body.current, size=body.size)


@router.override("get")
async def get_role(item_id: SqidPath) -> Success:
    return Success(await role_service.get_role(item_id))


@router.override("create")
async def create_role(body: RoleCreate) -> Success:
    created = await role_service.create_role(body)
    return Success({"createdId": encode_id(created)}, msg=message("create"))


@router.override("update")
async def update_role(item_id: SqidPath, body: RoleUpdate) -> Success:
    await role_service.update_role(item_id, body)
    return Success({"updatedId": encode_id(item_id)}, msg=message("update"))


@router.override("delete")
async def delete_role(item_id: SqidPath) -> Success:
    await role_service.delete_roles([item_id], strict=True)
    return Success({"deletedId": encode_id(item_id)}, msg=message("delete"))


@router.override("batch_delete")
async def batch_delete_roles(body: CommonIds) -> Success:
    deleted = await role_service.delete_roles(body.ids, strict=False)
    return Success({"deletedCount": len(deleted), "deletedIds": [encode_id(pk) for pk in deleted]}, msg=message("delete"))


@router.get("/options", summary="查看角色选项", name="system.roles.options")
async def list_role_options() -> Success:
    return Success(await role_service.role_options())


@router.get("/{role_id}/menus", summary="查看角色菜单", name="system.roles.get_menus")
async def get_role_menus(role_id: SqidPath) -> Success:
    return Success(await role_grants.get_role_menus(role_id))


@router.patch("/{role_id}/menus", summary="更新角色菜单", name="system.roles.update_menus")
async def update_role_menus(role_id: SqidPath, body: RoleMenusUpdate) -> Success:
    return Success(await role_grants.set_role_menus(role_id, body), msg=message("update"))


@router.get("/{role_id}/buttons", summary="查看角色按钮", name="system.roles.get_buttons")
async def get_role_buttons(role_id: SqidPath) -> Success:
    return Success(await role_grants.get_role_buttons(role_id))


@router.patch("/{role_id}/buttons", summary="更新角色按钮", name="system.roles.update_buttons")
async def update_role_buttons(role_id: SqidPath, body: RoleButtonsUpdate) -> Success:
    return Success(await role_grants.set_role_buttons(role_id, body.by_role_button_ids), msg=message("update"))


@router.get("/{role_id}/apis", summary="查看角色API", name="system.roles.get_apis")
async def get_role_apis(role_id: SqidPath) -> Success:
    return Success(await role_grants.get_role_apis(role_id))


@router.patch("/{role_id}/apis", summary="更新角色API", name="system.roles.update_apis")
async def update_role_apis(role_id: SqidPath, body: RoleApisUpdate) -> Success:
    return Success(await role_grants.set_role_apis(role_id, body.by_role_api_ids), msg=message("update"))
