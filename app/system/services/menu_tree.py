"""Pure tree builders for menus (api.md §6.7, §6.9, §6.10); no I/O.

Inputs are menu rows already loaded (ordered by id); outputs are the wire
shapes the frontend's tables and permission trees read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.core.model import IconType, MenuType
from app.core.sqids import encode_id
from app.system.models import Button, Menu


def menu_record(menu: Menu, buttons: Sequence[Button], active_names: Mapping[int, str]) -> dict[str, Any]:
    """One menu list row: full dump, ``parentId`` null at the root, ``localIcon`` for local icons."""
    row = menu.to_dict()
    row["parentId"] = encode_id(menu.parent_id) if menu.parent_id else None
    if menu.icon_type == IconType.local:
        row["localIcon"] = row.pop("icon", None)
    row["activeMenu"] = active_names.get(menu.active_menu_id) if menu.active_menu_id else None
    row["buttons"] = [button.to_dict() for button in buttons]
    return row


def nest(rows: list[dict[str, Any]], ids: Sequence[int], parents: Sequence[int]) -> list[dict[str, Any]]:
    """Attach each row under its parent (by position); rows whose parent is absent vanish.

    ``ids[i]``/``parents[i]`` describe ``rows[i]``; order within a level is the input order.
    """
    by_id = {pk: row for pk, row in zip(ids, rows, strict=True)}
    roots: list[dict[str, Any]] = []
    for row, parent in zip(rows, parents, strict=True):
        if parent == 0:
            roots.append(row)
        elif parent in by_id:
            by_id[parent].setdefault("children", []).append(row)
    # Rows under an orphaned parent (or in a cycle) are never reachable from a root.
    return roots


def effective_parents(menus: Sequence[Menu]) -> dict[int, int]:
    """Where each hidden menu hangs in the permission tree (api.md §6.9).

    (1) its active menu when that differs from the real parent, else (2) the
    visible menu with the longest route name that prefixes its own followed
    by ``_`` or ``-``, else (3) the visible menu with the longest route path
    prefix followed by ``/``, else its real parent.
    """
    present = {menu.id for menu in menus}
    visible = [menu for menu in menus if not menu.hide_in_menu]
    out: dict[int, int] = {}
    for menu in menus:
        if not menu.hide_in_menu:
            out[menu.id] = menu.parent_id
            continue
        out[menu.id] = _effective_parent(menu, visible, present)
    return out


def _effective_parent(menu: Menu, visible: Sequence[Menu], present: set[int]) -> int:
    active = menu.active_menu_id
    if active and active != menu.parent_id and active in present and active != menu.id:
        return active
    best: Menu | None = None
    for other in visible:
        name = other.route_name
        if (
            other.id != menu.id
            and menu.route_name.startswith((name + "_", name + "-"))
            and (best is None or len(name) > len(best.route_name))
        ):
            best = other
    if best is not None:
        return best.id
    for other in visible:
        path = other.route_path.rstrip("/")
        if other.id != menu.id and path and menu.route_path.startswith(path + "/") and (best is None or len(path) > len(best.route_path)):
            best = other
    return best.id if best is not None else menu.parent_id


def auth_tree(menus: Sequence[Menu], *, include_hidden: bool) -> list[dict[str, Any]]:
    """Menu permission tree of non-constant menus: parents carry no resource id, childless catalogs are dropped."""
    chosen = [menu for menu in menus if not menu.constant and (include_hidden or not menu.hide_in_menu)]
    parents = effective_parents(chosen) if include_hidden else {menu.id: menu.parent_id for menu in chosen}
    children: dict[int, list[Menu]] = {}
    for menu in chosen:
        children.setdefault(parents[menu.id], []).append(menu)
    return _auth_nodes(children, 0, set())


def _auth_nodes(children: Mapping[int, list[Menu]], parent: int, seen: set[int]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for menu in children.get(parent, []):
        if menu.id in seen:
            continue
        seen.add(menu.id)
        kids = _auth_nodes(children, menu.id, seen)
        is_parent = menu.menu_type == MenuType.catalog or bool(kids)
        if menu.menu_type == MenuType.catalog and not kids:
            continue
        node: dict[str, Any] = {
            "key": f"menu:{encode_id(menu.id)}",
            "label": menu.menu_name,
            "isParent": is_parent,
            "resourceId": None if is_parent else encode_id(menu.id),
            "routeName": menu.route_name,
            "meta": {"hidden": menu.hide_in_menu},
        }
        if kids:
            node["children"] = kids
        nodes.append(node)
    return nodes


def button_tree(menus: Sequence[Menu], buttons_of: Mapping[int, Sequence[Button]]) -> list[dict[str, Any]]:
    """Menus (non-constant) that have buttons in their subtree, with button leaves after sub-menus."""
    chosen = [menu for menu in menus if not menu.constant]
    children: dict[int, list[Menu]] = {}
    for menu in chosen:
        children.setdefault(menu.parent_id, []).append(menu)
    return _button_nodes(children, buttons_of, 0, set())


def _button_nodes(
    children: Mapping[int, list[Menu]], buttons_of: Mapping[int, Sequence[Button]], parent: int, seen: set[int]
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for menu in children.get(parent, []):
        if menu.id in seen:
            continue
        seen.add(menu.id)
        kids = _button_nodes(children, buttons_of, menu.id, seen)
        kids.extend(
            {"key": f"button:{encode_id(b.id)}", "label": b.button_desc, "isParent": False, "resourceId": encode_id(b.id)}
            for b in buttons_of.get(menu.id, ())
        )
        if kids:
            nodes.append(
                {"key": f"menu:{encode_id(menu.id)}", "label": menu.menu_name, "isParent": True, "resourceId": None, "children": kids}
            )
    return nodes


def ancestors_of(menu_ids: Iterable[int], parent_of: Mapping[int, int]) -> set[int]:
    """The given menus plus every ancestor reachable through ``parent_of`` (cycle-safe)."""
    out: set[int] = set()
    for start in menu_ids:
        current = start
        while current and current in parent_of and current not in out:
            out.add(current)
            current = parent_of[current]
    return out


def leaves(menu_ids: Iterable[int], parent_links: Iterable[Mapping[int, int]]) -> list[int]:
    """Ids of the set that are no other member's parent under any of the given parent maps."""
    chosen = set(menu_ids)
    parents: set[int] = set()
    for links in parent_links:
        parents.update(links[pk] for pk in chosen if pk in links)
    return sorted(pk for pk in chosen if pk not in parents)
