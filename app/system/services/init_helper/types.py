"""Shapes of a declarative init spec (``apply_init_data``'s input).

Plain dicts typed with ``TypedDict`` so business modules can write them as
literals. In relation lists ``None`` (or an absent key) means "leave alone",
``[]`` means "clear" and a list means "replace by exactly these".
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

#: An API reference: ``(method, path template)`` or a FastAPI route name.
ApiRef = tuple[str, str] | str


class ButtonSpec(TypedDict):
    button_code: str
    button_desc: str


class ReconcileSpec(TypedDict, total=False):
    menus: bool
    buttons: bool


class MenuSpec(TypedDict, total=False):
    route_name: str  # the natural key (required)
    menu_name: str
    route_path: str
    component: str | None
    menu_type: str
    order: int
    i18n_key: str
    icon: str | None
    icon_type: str | None
    parent_route: str
    active_menu: str
    buttons: list[ButtonSpec] | None
    children: list[MenuSpec]
    reconcile: bool | ReconcileSpec
    constant: bool
    hide_in_menu: bool
    props: bool
    multi_tab: bool
    keep_alive: bool
    redirect: str | None
    href: str | None
    path_param: str | None
    route_param: list[dict[str, str]] | None
    fixed_index_in_tab: int | None
    status_type: str


class RoleSpec(TypedDict, total=False):
    role_code: str  # the natural key (required)
    role_name: str
    role_desc: str
    home_route: str
    data_scope: str
    menus: list[str] | None
    buttons: list[str] | None
    apis: list[ApiRef] | None


class UserSpec(TypedDict, total=False):
    user_name: str  # the natural key (required)
    password: str
    reset_password: bool
    nick_name: str
    user_email: str
    user_phone: str
    user_gender: str
    must_change_password: bool
    roles: list[str]


class DictionarySpec(TypedDict):
    dict_type: str
    value: str
    label: str
    order: NotRequired[int]
    status: NotRequired[str]
    remark: NotRequired[str | None]


class InitData(TypedDict, total=False):
    menus: list[MenuSpec]
    roles: list[RoleSpec]
    users: list[UserSpec]
    dictionaries: list[DictionarySpec]


#: Route name -> (method, path) of the live routes, to resolve string ``ApiRef``s.
RouteKeys = dict[str, tuple[str, str]]

Values = dict[str, Any]
