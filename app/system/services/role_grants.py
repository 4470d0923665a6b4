"""A role's menus (with home), buttons and APIs: read and replace (api.md §3.2).

Replacing menus links every requested menu's ancestors (and, for a hidden
page, the page it hangs under in the permission tree) so that the frontend's
leaf-only tree round-trips; reading returns leaves only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.authz import SUPER_ADMIN_ROLE
from app.core.code import Code
from app.core.database import get_db_conn
from app.core.exceptions import BizError, NotFoundError
from app.core.sqids import encode_id
from app.system.controllers import menu_controller, role_controller
from app.system.models import Role
from app.system.schemas.roles import RoleMenusUpdate
from app.system.services import manage_cache
from app.system.services.menu_tree import ancestors_of, effective_parents, leaves


def _sqids(ids: Sequence[int]) -> list[str | int]:
    return [encode_id(pk) for pk in ids]


async def _lock(role_id: int) -> None:
    """Serialise concurrent replacements of one role's links (row lock; SQLite serialises writes anyway).

    Without it two replacements interleave their clear-then-add and collide on
    the link table's unique key (1100) or leave the union of both requests.
    """
    await Role.select_for_update().filter(id=role_id).first()


async def get_role_menus(role_id: int) -> dict[str, Any]:
    """``{byRoleHomeId, byRoleMenuIds}`` with leaf menus only; ``R_SUPER`` owns every non-constant menu."""
    role = await role_controller.get(role_id)
    menus = await menu_controller.all_ordered()
    if role.role_code == SUPER_ADMIN_ROLE:
        ids = [menu.id for menu in menus if not menu.constant]
    else:
        ids = await role_controller.menu_ids(role_id)
    parents = {menu.id: menu.parent_id for menu in menus}
    return {"byRoleHomeId": encode_id(role.by_role_home_id), "byRoleMenuIds": _sqids(leaves(ids, [parents]))}


async def set_role_menus(role_id: int, data: RoleMenusUpdate) -> dict[str, Any]:
    """Set the home and replace the menu links (requested + home + ancestors) in one transaction."""
    role = await role_controller.get(role_id)
    home = data.by_role_home_id
    if not home:
        raise BizError(Code.PARAM_REQUIRED)
    menus = await menu_controller.all_ordered()
    real = {menu.id: menu.parent_id for menu in menus}
    requested = {*data.by_role_menu_ids, home}
    if not requested <= real.keys():
        raise NotFoundError
    tree_parents = {**real, **effective_parents([menu for menu in menus if not menu.constant])}
    linked = ancestors_of(ancestors_of(requested, real), tree_parents)
    async with get_db_conn(Role)._in_transaction():
        await _lock(role_id)
        await role_controller.update(role_id, {"by_role_home_id": home})
        await role_controller.set_menus(role, sorted(linked))
    user_ids = await role_controller.user_ids_of([role_id])
    await manage_cache.roles_changed([role.role_code], user_ids=user_ids)
    return {"byRoleMenuIds": _sqids(sorted(requested)), "byRoleHomeId": encode_id(home)}


async def get_role_buttons(role_id: int) -> dict[str, Any]:
    role = await role_controller.get(role_id)
    if role.role_code == SUPER_ADMIN_ROLE:
        return {"byRoleButtonIds": _sqids(await role_controller.all_button_ids())}
    return {"byRoleButtonIds": _sqids(await role_controller.button_ids(role_id))}


async def set_role_buttons(role_id: int, button_ids: Sequence[int] | None) -> dict[str, Any]:
    """Replace the role's buttons (null: untouched; unknown id: 1101, nothing changed)."""
    role = await role_controller.get(role_id)
    if button_ids is None:
        return {"byRoleButtonIds": []}
    async with get_db_conn(Role)._in_transaction():
        await _lock(role_id)
        await role_controller.set_buttons(role, button_ids)
    await manage_cache.roles_changed([role.role_code])
    return {"byRoleButtonIds": _sqids(sorted(set(button_ids)))}


async def get_role_apis(role_id: int) -> dict[str, Any]:
    role = await role_controller.get(role_id)
    if role.role_code == SUPER_ADMIN_ROLE:
        return {"byRoleApiIds": _sqids(await role_controller.all_api_ids())}
    return {"byRoleApiIds": _sqids(await role_controller.api_ids(role_id))}


async def set_role_apis(role_id: int, api_ids: Sequence[int] | None) -> dict[str, Any]:
    """Replace the role's APIs (null: untouched; unknown id: 1101, nothing changed)."""
    role = await role_controller.get(role_id)
    if api_ids is None:
        return {"byRoleApiIds": []}
    async with get_db_conn(Role)._in_transaction():
        await _lock(role_id)
        await role_controller.set_apis(role, api_ids)
    await manage_cache.roles_changed([role.role_code])
    return {"byRoleApiIds": _sqids(sorted(set(api_ids)))}
