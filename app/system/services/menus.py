"""Menu administration: unique routes, safe deletes, button sync, the menu trees.

Writes refresh the constant-routes cache and the snapshots of every role
whose menus, home or buttons they touch before returning.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from app.core.code import Code
from app.core.database import get_db_conn
from app.core.exceptions import BizError, NotFoundError
from app.core.model import current_actor
from app.core.sqids import encode_id
from app.system.controllers import menu_controller, role_controller
from app.system.models import Menu
from app.system.schemas.menus import MenuCreate, MenuFields, MenuSearch, MenuUpdate
from app.system.services import manage_cache
from app.system.services.menu_tree import auth_tree, button_tree, menu_record, nest

_UNIQUE = ("route_path", "route_name")
#: Columns that cannot hold null: an explicit null in an update leaves them unchanged.
_NOT_NULL = frozenset({"menu_name", "menu_type", "route_name", "route_path", "order", "multi_tab", "keep_alive", "hide_in_menu"})
_NOT_NULL |= {"status_type", "props", "constant"}
_NOT_COLUMNS = frozenset({"by_menu_buttons", "active_menu", "parent_id"})


def business_menu_ids(menus: Sequence[Menu], module_names: Collection[str]) -> set[int]:
    """Root menus named after a business module (``_`` or ``-`` spelling), with their descendants."""
    names = {name for module in module_names for name in (module, module.replace("_", "-"))}
    chosen = {menu.id for menu in menus if menu.parent_id == 0 and menu.route_name in names}
    grew = True
    while grew:
        added = {menu.id for menu in menus if menu.parent_id in chosen and menu.id not in chosen}
        chosen |= added
        grew = bool(added)
    return chosen


async def search_menus(query: MenuSearch, module_names: Collection[str]) -> tuple[int, list[dict[str, Any]]]:
    """The menu table: regular menus plus each category an include flag asks for, as a tree."""
    menus = await menu_controller.all_ordered()
    business = business_menu_ids(menus, module_names)

    def wanted(menu: Menu) -> bool:
        in_business = menu.id in business
        if not (menu.constant or menu.hide_in_menu or in_business):
            return True
        return (
            (menu.constant and query.include_constant)
            or (menu.hide_in_menu and query.include_hidden)
            or (in_business and query.include_business)
        )

    chosen = [menu for menu in menus if wanted(menu)]
    buttons = await menu_controller.buttons_by_menu([menu.id for menu in chosen])
    names = {menu.id: menu.menu_name for menu in menus}
    rows = [menu_record(menu, buttons.get(menu.id, []), names) for menu in chosen]
    return len(chosen), nest(rows, [menu.id for menu in chosen], [menu.parent_id for menu in chosen])


async def get_menu(menu_id: int) -> dict[str, Any]:
    menu = await menu_controller.get(menu_id)
    buttons = await menu_controller.buttons_by_menu([menu_id])
    names = await menu_controller.names_of([menu.active_menu_id] if menu.active_menu_id else [])
    return menu_record(menu, buttons.get(menu_id, []), names)


async def menu_tree(*, include_hidden: bool) -> list[dict[str, Any]]:
    return auth_tree(await menu_controller.all_ordered(), include_hidden=include_hidden)


async def menu_pages() -> list[dict[str, Any]]:
    """Top-level non-constant menus as ``[{key: name, value: sqid}]`` (the frontend's page picker)."""
    menus = await menu_controller.all_ordered()
    return [{"key": menu.menu_name, "value": encode_id(menu.id)} for menu in menus if menu.parent_id == 0 and not menu.constant]


async def menu_button_tree() -> list[dict[str, Any]]:
    menus = await menu_controller.all_ordered()
    return button_tree(menus, await menu_controller.buttons_by_menu())


async def _write_values(data: MenuFields, menu_id: int | None) -> dict[str, Any]:
    """Column values of a create/update body, with ``activeMenu`` (a name) and ``parentId`` resolved."""
    sent = data.model_fields_set
    values = {name: getattr(data, name) for name in sent - _NOT_COLUMNS if getattr(data, name) is not None or name not in _NOT_NULL}
    if "route_param" in values and values["route_param"] is not None:
        values["route_param"] = [item.model_dump(by_alias=False) for item in data.route_param or []]
    if "parent_id" in sent:
        values["parent_id"] = data.parent_id or 0
        await _check_parent(values["parent_id"], menu_id)
    if "active_menu" in sent:
        values["active_menu_id"] = None
        if data.active_menu:
            values["active_menu_id"] = await menu_controller.id_by_name(data.active_menu)
            if values["active_menu_id"] is None:
                raise NotFoundError
    for column in _UNIQUE:
        value = values.get(column)
        if value and await menu_controller.taken(column, value, menu_id):
            raise BizError(Code.DUPLICATE_MENU_ROUTE)
    return values


async def _check_parent(parent_id: int, menu_id: int | None) -> None:
    """The parent must exist and must not be the menu itself or one of its descendants."""
    if parent_id == 0:
        return
    parents = await menu_controller.parents()
    if parent_id not in parents:
        raise NotFoundError
    current = parent_id
    seen: set[int] = set()
    while current and current not in seen:
        if current == menu_id:
            raise BizError(Code.INVALID_MENU_PARENT)
        seen.add(current)
        current = parents.get(current, 0)


async def _sync_buttons(menu: Menu, data: MenuFields) -> list[str]:
    """Apply ``byMenuButtons`` when sent; the codes of roles that lost a deleted button."""
    if data.by_menu_buttons is None:
        return []
    declared = list({b.button_code: (b.button_code, b.button_desc) for b in data.by_menu_buttons}.values())
    current = [b.id for b in await menu.by_menu_buttons.all()]
    codes = await role_controller.codes_with_buttons(current)
    await menu_controller.sync_buttons(menu, declared, current_actor())
    return codes


async def create_menu(data: MenuCreate) -> int:
    """Create a menu (2305 duplicate route path/name, 1101 unknown parent or active menu)."""
    values = await _write_values(data, None)
    async with get_db_conn(Menu)._in_transaction():
        menu = await menu_controller.create(values)
        codes = await _sync_buttons(menu, data)
    await manage_cache.menus_changed()
    if codes:
        await manage_cache.roles_changed(codes)
    return menu.id


async def update_menu(menu_id: int, data: MenuUpdate) -> int:
    """Write the sent fields (explicit null clears nullable ones; null parent = root)."""
    await menu_controller.get(menu_id)
    values = await _write_values(data, menu_id)
    async with get_db_conn(Menu)._in_transaction():
        menu = await menu_controller.update(menu_id, values)
        codes = await _sync_buttons(menu, data)
    await manage_cache.menus_changed()
    affected = sorted({*codes, *await role_controller.codes_with_menus([menu_id])})
    if affected:
        await manage_cache.roles_changed(affected)
    return menu_id


async def delete_menus(menu_ids: Sequence[int], *, strict: bool) -> list[int]:
    """Delete menus with the buttons only they carry; refuses parents (2307) and role homes (2308)."""
    found = await menu_controller.existing_ids(menu_ids)
    if strict and len(found) < len(set(menu_ids)):
        raise NotFoundError
    if not found:
        return []
    if await menu_controller.child_parents(found):
        raise BizError(Code.MENU_HAS_CHILDREN)
    if await menu_controller.used_as_home(found):
        raise BizError(Code.RESOURCE_IN_USE)
    button_ids = await menu_controller.button_ids_only_on(found)
    codes = sorted({*await role_controller.codes_with_menus(found), *await role_controller.codes_with_buttons(button_ids)})
    async with get_db_conn(Menu)._in_transaction():
        await menu_controller.delete_with_links(found, button_ids)
    await manage_cache.menus_changed()
    if codes:
        await manage_cache.roles_changed(codes)
    return found
