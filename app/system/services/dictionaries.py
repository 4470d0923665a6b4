"""Dictionaries: CRUD with unique (type, value) and a 5-minute option cache per type.

``dict_options:<type>`` is read through (Redis first, the database when the
key is missing or Redis is unreachable) and deleted after every write that
touches the type, so the next read sees the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from loguru import logger
from redis.asyncio import Redis

from app.core.code import Code
from app.core.crud import build_search
from app.core.exceptions import BizError, NotFoundError
from app.core.redis import REDIS_ERRORS
from app.system.controllers import dictionary_controller
from app.system.models import Dictionary
from app.system.schemas.common import field_values
from app.system.schemas.dictionaries import DictionaryCreate, DictionarySearch, DictionaryUpdate

OPTIONS_TTL_SECONDS = 300
_DEFAULT_ORDER = ("dict_type", "order", "id")


def options_key(dict_type: str) -> str:
    return f"dict_options:{dict_type}"


async def search_dictionaries(query: DictionarySearch) -> tuple[int, list[dict[str, Any]]]:
    search = build_search(query, exact=("dict_type", "status"), contains=("label", "value"))
    total, rows = await dictionary_controller.list(query.current, query.size, search, query.order_by or _DEFAULT_ORDER)
    return total, [row.to_dict() for row in rows]


async def get_dictionary(item_id: int) -> dict[str, Any]:
    return (await dictionary_controller.get(item_id)).to_dict()


async def _forget(redis: Redis | None, dict_types: Iterable[str]) -> None:
    keys = [options_key(t) for t in sorted(set(dict_types))]
    if redis is None or not keys:
        return
    try:
        await redis.delete(*keys)
    except REDIS_ERRORS as exc:
        logger.warning("dictionary options cache not invalidated ({}): stale for up to {} s", type(exc).__name__, OPTIONS_TTL_SECONDS)


async def create_dictionary(data: DictionaryCreate, redis: Redis | None) -> int:
    """Create a row (2311 when its (type, value) exists)."""
    if await dictionary_controller.taken(data.dict_type, data.value):
        raise BizError(Code.DUPLICATE_DICTIONARY)
    row = await dictionary_controller.create(field_values(data))
    await _forget(redis, [row.dict_type])
    return row.id


async def update_dictionary(item_id: int, data: DictionaryUpdate, redis: Redis | None) -> int:
    """Write the non-null fields (an explicit null ``remark`` clears it); 2311 on a (type, value) clash."""
    values = field_values(data)
    if "remark" in data.model_fields_set and data.remark is None:
        values["remark"] = None
    row = await dictionary_controller.get(item_id)
    old_type = row.dict_type
    new_type, new_value = values.get("dict_type", row.dict_type), values.get("value", row.value)
    if (new_type, new_value) != (row.dict_type, row.value) and await dictionary_controller.taken(new_type, new_value, item_id):
        raise BizError(Code.DUPLICATE_DICTIONARY)
    await dictionary_controller.update(item_id, values)
    await _forget(redis, [old_type, new_type])
    return item_id


async def delete_dictionaries(ids: Sequence[int], redis: Redis | None, *, strict: bool) -> list[int]:
    found = await dictionary_controller.existing_ids(ids)
    if strict and len(found) < len(set(ids)):
        raise NotFoundError
    types = await dictionary_controller.types_of(found)
    if found:
        await Dictionary.filter(id__in=found).delete()
    await _forget(redis, types)
    return found


async def dictionary_options(dict_type: str, redis: Redis | None) -> list[dict[str, str]]:
    """Enabled ``[{label, value}]`` of a type, from the cache when warm."""
    key = options_key(dict_type)
    if redis is not None:
        try:
            cached = await redis.get(key)
        except REDIS_ERRORS as exc:
            logger.warning("dictionary options cache unreachable ({}): reading the database", type(exc).__name__)
            redis = None
        else:
            if cached is not None:
                return list(orjson.loads(cached))
    options = await dictionary_controller.options(dict_type)
    if redis is not None:
        try:
            await redis.set(key, orjson.dumps(options), ex=OPTIONS_TTL_SECONDS)
        except REDIS_ERRORS as exc:
            logger.warning("dictionary options not cached ({})", type(exc).__name__)
    return options
