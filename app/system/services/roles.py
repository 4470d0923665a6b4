"""Role administration: unique code and name, the protected super role, cache coherence.

Any change to a role (status, code, name, home, grants, deletion) refreshes
that role's cached grants and the cached role list and home of every user who
holds it before returning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.authz import SUPER_ADMIN_ROLE
from app.core.code import Code
from app.core.crud import build_search
from app.core.database import get_db_conn
from app.core.exceptions import BizError, NotFoundError
from app.core.model import StatusType
from app.system.controllers import menu_controller, role_controller
from app.system.models import Role
from app.system.schemas.common import field_values
from app.system.schemas.roles import RoleCreate, RoleSearch, RoleUpdate
from app.system.services import manage_cache

_UNIQUE = (("role_code", Code.DUPLICATE_ROLE_CODE), ("role_name", Code.DUPLICATE_ROLE_NAME))


def role_record(role: Role) -> dict[str, Any]:
    """The role row the frontend lists (api.md §6.6)."""
    return role.to_dict()


async def search_roles(query: RoleSearch) -> tuple[int, list[dict[str, Any]]]:
    search = build_search(query, contains=("role_name", "role_code"), exact=("status_type",))
    total, roles = await role_controller.list(query.current, query.size, search, query.order_by)
    return total, [role_record(role) for role in roles]


async def get_role(role_id: int) -> dict[str, Any]:
    return role_record(await role_controller.get(role_id))


async def role_options() -> list[dict[str, str]]:
    """Enabled roles as ``[{label: name, value: code}]`` for the frontend's pickers."""
    rows = await Role.filter(status_type=StatusType.enable).order_by("id").values_list("role_name", "role_code")
    return [{"label": str(name), "value": str(code)} for name, code in rows]


async def _check_unique(values: dict[str, Any], exclude_id: int | None = None) -> None:
    for column, code in _UNIQUE:
        value = values.get(column)
        if value and await role_controller.taken(column, value, exclude_id):
            raise BizError(code)


async def _check_home(menu_id: int | None) -> None:
    if menu_id is not None and not await menu_controller.exists(id=menu_id):
        raise NotFoundError


async def create_role(data: RoleCreate) -> int:
    """Create a role (2301 duplicate code, 2309 duplicate name, 1101 unknown home menu)."""
    values = field_values(data)
    await _check_unique(values)
    await _check_home(data.by_role_home_id)
    role = await role_controller.create(values)
    await manage_cache.roles_changed([role.role_code])
    return role.id


async def update_role(role_id: int, data: RoleUpdate) -> int:
    """Write the non-null fields; ``R_SUPER`` keeps its code and stays enabled (2312)."""
    values = field_values(data)
    role = await role_controller.get(role_id)
    old_code = role.role_code
    if old_code == SUPER_ADMIN_ROLE and (
        values.get("role_code", old_code) != old_code or values.get("status_type", StatusType.enable) != StatusType.enable
    ):
        raise BizError(Code.PROTECTED_RESOURCE)
    await _check_unique(values, exclude_id=role_id)
    await _check_home(data.by_role_home_id)
    role = await role_controller.update(role_id, values)
    removed = [old_code] if role.role_code != old_code else []
    user_ids = await role_controller.user_ids_of([role_id])
    await manage_cache.roles_changed([role.role_code], removed_codes=removed, user_ids=user_ids)
    return role_id


async def delete_roles(role_ids: Sequence[int], *, strict: bool) -> list[int]:
    """Delete roles and their links; ``R_SUPER`` is refused (2312), a home role's users just lose it."""
    codes = await role_controller.codes_of(role_ids)
    if strict and len(codes) < len(set(role_ids)):
        raise NotFoundError
    if SUPER_ADMIN_ROLE in codes.values():
        raise BizError(Code.PROTECTED_RESOURCE)
    found = sorted(codes)
    if not found:
        return []
    user_ids = await role_controller.user_ids_of(found)
    async with get_db_conn(Role)._in_transaction():
        for role in await Role.filter(id__in=found):
            await role_controller.unlink_all(role)
        await Role.filter(id__in=found).delete()
    await manage_cache.roles_changed(removed_codes=list(codes.values()), user_ids=user_ids)
    return found
