"""Role-management request bodies (api.md §3.2)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from app.core.code import Code
from app.core.exceptions import SchemaValidationError
from app.core.model import DataScopeType, StatusType
from app.core.schema import PageQueryBase, SchemaBase
from app.core.types import SqidId
from app.system.schemas.common import BlankNone, Text20, Text500, require_text

IdList = Annotated[list[SqidId], Field(max_length=5000)]


class RoleFields(SchemaBase):
    """Every writable role field, all optional (the update body; nulls mean "unchanged")."""

    role_name: Text20 = None
    role_code: Text20 = None
    role_desc: Text500 = None
    by_role_home_id: SqidId | None = None
    data_scope: Annotated[DataScopeType | None, BlankNone] = None
    status_type: Annotated[StatusType | None, BlankNone] = None


class RoleUpdate(RoleFields):
    """PATCH body: null/absent keys are left as they are; blank name/code are refused."""

    @model_validator(mode="after")
    def _not_blank(self) -> RoleUpdate:
        if self.role_name is not None:
            require_text(self.role_name, Code.ROLE_NAME_REQUIRED)
        if self.role_code is not None:
            require_text(self.role_code, Code.ROLE_CODE_REQUIRED)
        if self.by_role_home_id == 0:
            raise SchemaValidationError(Code.PARAM_REQUIRED)
        return self


class RoleCreate(RoleFields):
    """POST body: name (2605), code (2606) and home menu (2600) are required."""

    @model_validator(mode="after")
    def _required(self) -> RoleCreate:
        require_text(self.role_name, Code.ROLE_NAME_REQUIRED)
        require_text(self.role_code, Code.ROLE_CODE_REQUIRED)
        if not self.by_role_home_id:
            raise SchemaValidationError(Code.PARAM_REQUIRED)
        return self


class RoleSearch(PageQueryBase):
    """Substring name/code, exact status."""

    role_name: Text20 = None
    role_code: Text20 = None
    status_type: Annotated[StatusType | None, BlankNone] = None


class RoleMenusUpdate(SchemaBase):
    """Replace a role's menus; every requested menu's ancestors and the home are linked too."""

    by_role_home_id: SqidId | None = None
    by_role_menu_ids: IdList = Field(default_factory=list)


class RoleButtonsUpdate(SchemaBase):
    """Replace a role's buttons; null leaves them untouched."""

    by_role_button_ids: IdList | None = None


class RoleApisUpdate(SchemaBase):
    """Replace a role's APIs; null leaves them untouched."""

    by_role_api_ids: IdList | None = None
