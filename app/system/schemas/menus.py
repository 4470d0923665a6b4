"""Menu-management request bodies (api.md §3.3, §6.8)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from app.core.code import Code
from app.core.model import IconType, MenuType, StatusType
from app.core.schema import SchemaBase
from app.core.types import Int32, SqidId
from app.system.schemas.common import BlankNone, Text100, Text200, require_text


class RouteParam(SchemaBase):
    """One ``{key, value}`` pair of a route's query (``meta.query`` on the frontend)."""

    key: str = Field(max_length=100)
    value: str = Field(max_length=500)


class MenuButtonIn(SchemaBase):
    """A button declared on a menu; ``buttonCode`` is the natural key."""

    button_code: str = Field(min_length=1, max_length=200)
    button_desc: str = Field(min_length=1, max_length=200)


class MenuFields(SchemaBase):
    """Every writable menu field, all optional (the update body)."""

    menu_name: Text100 = None
    menu_type: Annotated[MenuType | None, BlankNone] = None
    route_name: Text100 = None
    route_path: Text200 = None
    path_param: Text200 = None
    route_param: list[RouteParam] | None = Field(default=None, max_length=50)
    by_menu_buttons: list[MenuButtonIn] | None = Field(default=None, max_length=200)
    order: Int32 | None = None
    component: Text100 = None
    parent_id: SqidId | None = None
    i18n_key: Text100 = None
    icon: Text100 = None
    icon_type: Annotated[IconType | None, BlankNone] = None
    href: Text200 = None
    multi_tab: bool | None = None
    keep_alive: bool | None = None
    hide_in_menu: bool | None = None
    active_menu: Text100 = None
    fixed_index_in_tab: Int32 | None = None
    status_type: Annotated[StatusType | None, BlankNone] = None
    redirect: Text200 = None
    props: bool | None = None
    constant: bool | None = None


class MenuUpdate(MenuFields):
    """PATCH body: sent keys are written, explicit null clears nullable columns (null parent = root)."""

    @model_validator(mode="after")
    def _not_blank(self) -> MenuUpdate:
        if self.route_name is not None:
            require_text(self.route_name, Code.ROUTE_NAME_REQUIRED)
        if self.route_path is not None:
            require_text(self.route_path, Code.ROUTE_PATH_REQUIRED)
        return self


class MenuCreate(MenuFields):
    """POST body: ``menuName`` and ``menuType`` required (1200), route name/path too (2607/2608)."""

    menu_name: str = Field(min_length=1, max_length=100)
    menu_type: MenuType

    @model_validator(mode="after")
    def _required(self) -> MenuCreate:
        require_text(self.route_name, Code.ROUTE_NAME_REQUIRED)
        require_text(self.route_path, Code.ROUTE_PATH_REQUIRED)
        return self


class MenuSearch(SchemaBase):
    """The menu list is a full tree; paging values are only echoed back."""

    include_constant: bool = False
    include_hidden: bool = False
    include_business: bool = False
    current: int = Field(default=1, ge=1, le=10_000_000)
    size: int = Field(default=10, ge=1, le=1000)
