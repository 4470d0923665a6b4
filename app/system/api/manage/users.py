"""``/system-manage/users``: the user table, forced logout (api.md §3.1)."""

from __future__ import annotations

from app.core.responses import Success, SuccessExtra
from app.core.router import CRUDRouter, message
from app.core.schema import CommonIds, OfflineByRoleRequest
from app.core.sqids import encode_id
from app.core.types import SqidPath
from app.system.controllers import user_controller
from app.system.schemas.users import UserCreate, UserSearch, UserUpdate
from app.system.services import users as user_service

router = CRUDRouter(
    "/users",
    user_controller,
    create_schema=UserCreate,
    update_schema=UserUpdate,
    list_schema=UserSearch,
    summary_prefix="用户",
    route_key_prefix="system.users",
    tags=["用户管理"],
)


@router.override("list")
async def list_users(body: UserSearch) -> SuccessExtra:
    total, records = await user_service.search_users(body)
    return SuccessExtra(records, total=total, current=body.current, size=body.size)


@router.override("get")
async def get_user(item_id: SqidPath) -> Success:
    return Success(await user_service.get_user(item_id))


@router.override("create")
async def create_user(body: UserCreate) -> Success:
    created = await user_service.create_user(body)
    return Success({"createdId": encode_id(created)}, msg=message("create"))


@router.override("update")
async def update_user(item_id: SqidPath, body: UserUpdate) -> Success:
    await user_service.update_user(item_id, body)
    return Success({"updatedId": encode_id(item_id)}, msg=message("update"))


@router.override("delete")
async def delete_user(item_id: SqidPath) -> Success:
    await user_service.delete_users([item_id], strict=True)
    return Success({"deletedId": encode_id(item_id)}, msg=message("delete"))


@router.override("batch_delete")
async def batch_delete_users(body: CommonIds) -> Success:
    deleted = await user_service.delete_users(body.ids, strict=False)
    return Success({"deletedCount": len(deleted), "deletedIds": [encode_id(pk) for pk in deleted]}, msg=message("delete"))


@router.post("/batch-offline", summary="批量用户下线", name="system.users.batch_offline")
async def force_logout_users(body: CommonIds) -> Success:
    return Success({"offlineCount": await user_service.force_offline(body.ids)})


@router.post("/offline-by-role", summary="按角色下线用户", name="system.users.offline_by_role")
async def force_logout_by_roles(body: OfflineByRoleRequest) -> Success:
    return Success({"offlineCount": await user_service.force_offline_by_roles(body.role_codes)})


@router.post("/{user_id}/offline", summary="用户下线", name="system.users.offline")
async def force_logout_user(user_id: SqidPath) -> Success:
    await user_service.force_offline([user_id])
    return Success(None)
