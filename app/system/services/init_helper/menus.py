"""``ensure_menu`` (declarative menu upsert) and ``reconcile_menu_subtree`` (IaC mode)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from app.core.model import IconType, MenuType
from app.system.models import Button, Menu, Role
from app.system.services.init_helper._upsert import delete_links, replace_links, upsert
from app.system.services.init_helper.types import ButtonSpec, MenuSpec, Values

#: Keys of a menu spec that are not plain column values.
_SPECIAL_KEYS = frozenset({"route_name", "parent_route", "buttons", "children", "reconcile", "active_menu"})
_EXTRA_COLUMNS = frozenset(
    {
        "constant",
        "hide_in_menu",
        "props",
        "multi_tab",
        "keep_alive",
        "redirect",
        "href",
        "path_param",
        "route_param",
        "fixed_index_in_tab",
        "status_type",
    }
)


def menu_values(spec: MenuSpec, parent_id: int) -> Values:
    """The column values a menu spec declares, with the seeder's defaults applied."""
    route_name = spec["route_name"]
    has_children = bool(spec.get("children"))
    menu_type = spec.get("menu_type") or (MenuType.catalog if has_children else MenuType.menu)
    component = spec.get("component")
    if component is None and parent_id == 0 and not spec.get("constant"):
        component = "layout.base"
    icon = spec.get("icon")
    values: Values = {
        "parent_id": parent_id,
        "menu_type": MenuType(menu_type),
        "menu_name": spec.get("menu_name", route_name),
        "route_path": spec.get("route_path", "/" + route_name.replace("_", "/")),
        "component": component,
        "order": spec.get("order", 1),
        "i18n_key": spec.get("i18n_key") or f"route.{route_name}",
        "icon": icon,
        "icon_type": IconType(spec.get("icon_type") or IconType.iconify) if icon else None,
    }
    for key, value in spec.items():
        if key in values or key in _SPECIAL_KEYS:
            continue
        if key in _EXTRA_COLUMNS:
            values[key] = value
        else:
            logger.warning("menu {}: unknown key {!r} ignored", route_name, key)
    return values


async def ensure_menu(spec: MenuSpec, *, overwrite: bool = True, parent_id: int | None = None) -> Menu | None:
    """Create or update the menu ``spec['route_name']`` and its children.

    The parent is ``parent_id`` when given (recursion), else the menu named by
    ``parent_route`` (root when absent); a missing parent skips the whole
    subtree with a warning and returns None. ``buttons``: None leaves the
    menu's buttons alone, ``[]`` unlinks them all, a list replaces them (each
    upserted by ``button_code``). With ``overwrite=False`` an existing menu is
    kept exactly as it is (only missing menus and their buttons are created);
    children are still visited so missing ones get created.
    """
    if parent_id is None:
        parent_id = await _resolve_parent(spec)
        if parent_id is None:
            return None
    values = menu_values(spec, parent_id)
    active = spec.get("active_menu")
    if active is not None:
        active_row = await Menu.get_or_none(route_name=active)
        values["active_menu_id"] = active_row.id if active_row is not None else None
    menu, created = await upsert(Menu, {"route_name": spec["route_name"]}, values, overwrite=overwrite)
    buttons = spec.get("buttons")
    if buttons is not None and (created or overwrite):
        await sync_menu_buttons(menu, buttons, overwrite=overwrite)
    for child in spec.get("children") or []:
        await ensure_menu(child, overwrite=overwrite, parent_id=menu.id)
    return menu


async def _resolve_parent(spec: MenuSpec) -> int | None:
    parent_route = spec.get("parent_route")
    if not parent_route:
        return 0
    parent = await Menu.get_or_none(route_name=parent_route)
    if parent is None:
        logger.warning("menu {}: parent {!r} does not exist; subtree skipped (renamed or deleted?)", spec["route_name"], parent_route)
        return None
    return parent.id


async def sync_menu_buttons(menu: Menu, buttons: list[ButtonSpec], *, overwrite: bool = True) -> None:
    """Unlink all of ``menu``'s buttons, then upsert each declared one and link it."""
    rows: list[Button] = []
    for button in buttons:
        row, _ = await upsert(Button, {"button_code": button["button_code"]}, {"button_desc": button["button_desc"]}, overwrite=overwrite)
        rows.append(row)
    await replace_links(menu.by_menu_buttons, rows)


@dataclass
class ReconcileResult:
    """What ``reconcile_menu_subtree`` removed."""

    deleted_menus: list[str] = field(default_factory=list)
    deleted_buttons: list[str] = field(default_factory=list)


async def reconcile_menu_subtree(
    root_route: str, declared_route_names: set[str] | list[str], declared_button_codes: set[str] | list[str] | None = None
) -> ReconcileResult:
    """Make the subtree under ``root_route`` hold only what is declared (IaC mode).

    Every descendant of the root (found through ``parent_id``) whose
    ``route_name`` is not declared is deleted; the root itself is always kept.
    With ``declared_button_codes`` given, every button linked to a remaining
    subtree menu whose code is not declared is deleted everywhere (also from
    roles and other menus). Menus outside the subtree are never touched. Roles
    whose home menu is deleted get the root as their home. A missing root is a
    warning and a no-op.
    """
    result = ReconcileResult()
    rows = await Menu.all().values_list("id", "parent_id", "route_name")
    root = next((row for row in rows if row[2] == root_route), None)
    if root is None:
        logger.warning("reconcile: root menu {!r} does not exist (renamed or deleted?)", root_route)
        return result
    subtree = _descendants(root[0], rows)
    declared = set(declared_route_names)
    doomed = {menu_id: name for menu_id, name in subtree.items() if name not in declared}
    if doomed:
        await _delete_menus(root[0], doomed)
        result.deleted_menus = sorted(doomed.values())
    if declared_button_codes is not None:
        kept_ids = [root[0], *(menu_id for menu_id in subtree if menu_id not in doomed)]
        result.deleted_buttons = await _delete_undeclared_buttons(kept_ids, set(declared_button_codes))
    return result


def _descendants(root_id: int, rows: list[Any]) -> dict[int, str]:
    children: dict[int, list[tuple[int, str]]] = {}
    for menu_id, parent_id, name in rows:
        children.setdefault(parent_id, []).append((menu_id, name))
    found: dict[int, str] = {}
    queue = deque([root_id])
    while queue:
        for menu_id, name in children.get(queue.popleft(), []):
            if menu_id not in found and menu_id != root_id:
                found[menu_id] = name
                queue.append(menu_id)
    return found


async def _delete_menus(root_id: int, doomed: dict[int, str]) -> None:
    ids = list(doomed)
    homeless = await Role.filter(by_role_home_id__in=ids).values_list("role_code", flat=True)
    if homeless:
        logger.warning("reconcile: roles {} lose their home menu; it becomes the subtree root", sorted(homeless))
        await Role.filter(by_role_home_id__in=ids).update(by_role_home_id=root_id)
    await delete_links(Menu, ids)
    await Menu.filter(active_menu_id__in=ids).update(active_menu_id=None)
    await Menu.filter(id__in=ids).delete()
    logger.warning("reconcile: deleted menus not declared any more: {}", sorted(doomed.values()))


async def _delete_undeclared_buttons(menu_ids: list[int], declared: set[str]) -> list[str]:
    linked = await Button.filter(by_button_menus__id__in=menu_ids).distinct().values_list("id", "button_code")
    doomed = {button_id: code for button_id, code in linked if code not in declared}
    if not doomed:
        return []
    await delete_links(Button, list(doomed))
    await Button.filter(id__in=list(doomed)).delete()
    logger.warning("reconcile: deleted buttons not declared any more: {}", sorted(doomed.values()))
    return sorted(doomed.values())
