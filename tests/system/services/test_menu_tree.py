"""Pure menu-tree rules: effective parents of hidden pages, ancestors, leaves, permission trees."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.model import MenuType
from app.core.sqids import configure_sqids
from app.system.models import Button, Menu
from app.system.services.menu_tree import ancestors_of, auth_tree, button_tree, effective_parents, leaves, nest


@pytest.fixture(autouse=True)
def _sqids() -> None:
    configure_sqids("menu-tree-test-secret-0123456789-abcdefghij")


def m(pk: int, route: str, parent: int = 0, *, hidden: bool = False, catalog: bool = False, **extra: Any) -> Menu:
    path = extra.pop("path", "/" + route.replace("_", "/"))
    menu_type = MenuType.catalog if catalog else MenuType.menu
    active = extra.pop("active_menu_id", None)
    menu = Menu(
        id=pk, route_name=route, route_path=path, menu_name=route, parent_id=parent, hide_in_menu=hidden, menu_type=menu_type, **extra
    )
    menu.active_menu_id = active  # plain attribute: no ORM needed for these pure rules
    return menu


MENUS = [
    m(1, "home"),
    m(2, "manage", catalog=True),
    m(3, "manage_user", 2),
    m(4, "manage_user-detail", 2, hidden=True, path="/manage/user-detail/:id"),
    m(5, "manage_role", 2),
    m(6, "report", hidden=True, path="/manage/role/report"),
    m(7, "orphan", 99),
    m(8, "empty", catalog=True),
    m(9, "login", constant=True, hidden=True),
]


def test_effective_parent_rules() -> None:
    parents = effective_parents(MENUS)
    assert parents[4] == 3  # longest route-name prefix followed by "-"
    assert parents[6] == 5  # longest route-path prefix followed by "/"
    assert parents[3] == 2 and parents[1] == 0
    active = m(10, "x_detail", 2, hidden=True, active_menu_id=1)
    assert effective_parents([*MENUS, active])[10] == 1  # the active menu wins


def test_auth_tree_with_and_without_hidden() -> None:
    plain = auth_tree(MENUS, include_hidden=False)
    assert [n["routeName"] for n in plain] == ["home", "manage"]  # empty catalog, orphan, hidden, constant gone
    hidden = auth_tree(MENUS, include_hidden=True)
    manage = next(n for n in hidden if n["routeName"] == "manage")
    user = manage["children"][0]
    assert user["isParent"] and user["resourceId"] is None and user["children"][0]["routeName"] == "manage_user-detail"


def test_ancestors_and_leaves() -> None:
    parents = {menu.id: menu.parent_id for menu in MENUS}
    assert ancestors_of([3], parents) == {2, 3}
    assert ancestors_of([7], parents) == {7}  # dangling parent stops the walk
    assert leaves([1, 2, 3, 5], [parents]) == [1, 3, 5]
    loop = {1: 2, 2: 1}
    assert ancestors_of([1], loop) == {1, 2}


def test_nest_drops_rows_whose_parent_is_absent() -> None:
    rows = [{"id": 1}, {"id": 2}, {"id": 3}]
    tree = nest(rows, [1, 2, 3], [0, 1, 42])
    assert tree == [{"id": 1, "children": [{"id": 2}]}]


def test_button_tree_keeps_only_menus_with_buttons_below() -> None:
    button = Button(id=11, button_code="B_X", button_desc="x")
    tree = button_tree(MENUS, {3: [button]})
    assert [n["label"] for n in tree] == ["manage"]
    user = tree[0]["children"][0]
    assert user["isParent"] and user["children"][0]["label"] == "x" and user["children"][0]["resourceId"] is not None
