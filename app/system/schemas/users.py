"""User-management request bodies (api.md §3.1)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from app.core.code import Code
from app.core.exceptions import SchemaValidationError
from app.core.model import GenderType, StatusType
from app.core.schema import PageQueryBase, SchemaBase
from app.system.schemas.common import BlankNone, Text20, Text30, Text128, Text255, require_text

RoleCodes = list[Annotated[str, Field(min_length=1, max_length=20)]]


class UserFields(SchemaBase):
    """Every writable user field, all optional (the update body)."""

    user_name: Text20 = None
    password: Text128 = None
    nick_name: Text30 = None
    user_email: Text255 = None
    user_phone: Text20 = None
    user_gender: GenderType | None = None
    status_type: StatusType | None = None
    by_user_role_code_list: RoleCodes | None = Field(default=None, max_length=100)


def _require_roles(codes: list[str] | None) -> None:
    if not codes:
        raise SchemaValidationError(Code.USER_ROLE_REQUIRED)


class UserUpdate(UserFields):
    """PATCH body: sent keys are written (explicit null clears nullable columns); roles must be non-empty."""

    @model_validator(mode="after")
    def _name_not_blank(self) -> UserUpdate:
        if "user_name" in self.model_fields_set and self.user_name is not None:
            require_text(self.user_name, Code.USERNAME_REQUIRED)
        _require_roles(self.by_user_role_code_list)
        return self


class UserCreate(UserFields):
    """POST body: user name, password and at least one role are required (2601/2602/2603)."""

    @model_validator(mode="after")
    def _required(self) -> UserCreate:
        require_text(self.user_name, Code.USERNAME_REQUIRED)
        require_text(self.password, Code.PASSWORD_REQUIRED)
        _require_roles(self.by_user_role_code_list)
        return self


class UserSearch(PageQueryBase):
    """Substring filters on names/phone/email, exact gender/status, any-of role codes."""

    user_name: Text20 = None
    nick_name: Text30 = None
    user_phone: Text20 = None
    user_email: Text255 = None
    user_gender: Annotated[GenderType | None, BlankNone] = None
    status_type: Annotated[StatusType | None, BlankNone] = None
    by_user_role_code_list: RoleCodes | None = Field(default=None, max_length=100)
