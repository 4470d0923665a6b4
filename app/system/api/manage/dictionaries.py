"""``/system-manage/dictionaries``: dictionary rows and the cached option lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from app.core.responses import Success, SuccessExtra
from app.core.router import CRUDRouter, message
from app.core.schema import CommonIds
from app.core.sqids import encode_id
from app.core.types import SqidPath
from app.system.controllers import dictionary_controller
from app.system.schemas.dictionaries import DictionaryCreate, DictionarySearch, DictionaryUpdate
from app.system.services import dictionaries as dictionary_service

router = CRUDRouter(
    "/dictionaries",
    dictionary_controller,
    create_schema=DictionaryCreate,
    update_schema=DictionaryUpdate,
    list_schema=DictionarySearch,
    summary_prefix="字典",
    route_key_prefix="system.dictionaries",
    tags=["字典管理"],
)


@router.override("list")
async def list_dictionaries(body: DictionarySearch) -> SuccessExtra:
    total, records = await dictionary_service.search_dictionaries(body)
    return SuccessExtra(records, total=total, current=body.current, size=body.size)


@router.override("get")
async def get_dictionary(item_id: SqidPath) -> Success:
    return Success(await dictionary_service.get_dictionary(item_id))


@router.override("create")
async def create_dictionary(request: Request, body: DictionaryCreate) -> Success:
    created = await dictionary_service.create_dictionary(body, request.app.state.redis)
    return Success({"createdId": encode_id(created)}, msg=message("create"))


@router.override("update")
async def update_dictionary(request: Request, item_id: SqidPath, body: DictionaryUpdate) -> Success:
    await dictionary_service.update_dictionary(item_id, body, request.app.state.redis)
    return Success({"updatedId": encode_id(item_id)}, msg=message("update"))


@router.override("delete")
async def delete_dictionary(request: Request, item_id: SqidPath) -> Success:
    await dictionary_service.delete_dictionaries([item_id], request.app.state.redis, strict=True)
    return Success({"deletedId": encode_id(item_id)}, msg=message("delete"))


@router.override("batch_delete")
async def batch_delete_dictionaries(request: Request, body: CommonIds) -> Success:
    deleted = await dictionary_service.delete_dictionaries(body.ids, request.app.state.redis, strict=False)
    return Success({"deletedCount": len(deleted), "deletedIds": [encode_id(pk) for pk in deleted]}, msg=message("delete"))


@router.get("/{dict_type}/options", summary="获取字典选项列表", name="system.dictionaries.options")
async def list_dictionary_options(request: Request, dict_type: Annotated[str, Path(max_length=100)]) -> Success:
    return Success(await dictionary_service.dictionary_options(dict_type, request.app.state.redis))
