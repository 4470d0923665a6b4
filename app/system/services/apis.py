"""The API catalogue as administrators see it: search, detail, status switch, trees.

Rows come from start-up reconciliation; the only write here is the status,
which takes effect on the next request of every user whose role grants it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.expressions import Q

from app.core.authz import Access
from app.core.business.wiring import BUSINESS_PREFIX
from app.core.crud import build_search
from app.core.exceptions import NotFoundError
from app.core.model import StatusType
from app.core.sqids import encode_id
from app.system.controllers import api_controller, role_controller
from app.system.models import Api
from app.system.schemas.apis import ApiSearch
from app.system.services import manage_cache

_DEFAULT_ORDER = ("tags", "id")


def split_tags(stored: str | None) -> list[str]:
    """``|a|b|`` → ``["a", "b"]`` (empty or null → ``[]``)."""
    return [tag for tag in (stored or "").split("|") if tag]


def api_record(api: Api) -> dict[str, Any]:
    """The API row the frontend lists (api.md §6.11): tags as a list, no timestamps."""
    row = api.to_dict(exclude_fields=["created_at", "updated_at"])
    row["tags"] = split_tags(api.tags)
    return row


def _visible_to(access: Access) -> Q:
    """Super sees the whole catalogue; others only APIs granted to their enabled roles."""
    if access.is_super:
        return Q()
    return Q(by_api_roles__role_code__in=list(access.role_codes) or [""], by_api_roles__status_type=StatusType.enable)


async def search_apis(query: ApiSearch, access: Access) -> tuple[int, list[dict[str, Any]]]:
    """Substring path/summary, exact method/status, any-of tags, optionally business APIs only."""
    search = build_search(query, contains=("api_path", "summary"), exact=("api_method", "status_type"), initial=_visible_to(access))
    if query.tags:
        any_tag = Q()
        for tag in query.tags:
            any_tag |= Q(tags__contains=f"|{tag}|")
        search &= any_tag
    if not query.include_system:
        search &= Q(api_path__startswith=f"{BUSINESS_PREFIX}/")
    total, apis = await api_controller.list(query.current, query.size, search, query.order_by or _DEFAULT_ORDER)
    return total, [api_record(api) for api in apis]


async def get_api(api_id: int, access: Access) -> dict[str, Any]:
    api = await Api.filter(_visible_to(access), id=api_id).distinct().first()
    if api is None:
        raise NotFoundError
    return api_record(api)


async def set_api_status(api_id: int, status: StatusType) -> int:
    """Switch an API on or off; every role granting it is refreshed before returning."""
    await api_controller.update(api_id, {"status_type": status})
    await manage_cache.roles_changed(await role_controller.codes_with_api(api_id))
    return api_id


def _tag_key(path: Sequence[str]) -> str:
    digest = hashlib.blake2b(">".join(["root", *path]).encode(), digest_size=6).digest()
    return f"api-tag:{encode_id(int.from_bytes(digest, 'big'))}"


async def api_tree() -> list[dict[str, Any]]:
    """Tag nodes nesting along each API's tag list, API leaves inside; untagged APIs at the root."""
    root: list[dict[str, Any]] = []
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}
    for api in await api_controller.all_ordered():
        level = root
        tags = split_tags(api.tags)
        for depth in range(len(tags)):
            path = tuple(tags[: depth + 1])
            node = nodes.get(path)
            if node is None:
                node = {"key": _tag_key(path), "label": tags[depth], "isParent": True, "resourceId": None, "children": []}
                nodes[path] = node
                level.append(node)
            level = node["children"]
        pk = encode_id(api.id)
        level.append({"key": f"api:{pk}", "label": api.summary or api.api_path, "isParent": False, "resourceId": pk})
    return root


def tag_options(route_tags: Iterable[Sequence[str]]) -> list[dict[str, Any]]:
    """``[{value, label, children?}]`` from the live routes' tag lists (first-seen order)."""
    root: list[dict[str, Any]] = []
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}
    for tags in route_tags:
        level = root
        for depth in range(len(tags)):
            path = tuple(tags[: depth + 1])
            node = nodes.get(path)
            if node is None:
                node = {"value": tags[depth], "label": tags[depth]}
                nodes[path] = node
                level.append(node)
            level = node.setdefault("children", []) if depth + 1 < len(tags) else level
    return root
