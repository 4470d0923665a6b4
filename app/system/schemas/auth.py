"""Auth request bodies (spec api.md §1). Unknown keys are ignored."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.core.model import GenderType
from app.core.schema import SchemaBase
from app.system.schemas.common import BlankNone


class CredentialsIn(SchemaBase):
    """Password login; both optional so a missing field answers 2401, not 1200."""

    user_name: str | None = Field(default=None, max_length=20)
    password: str | None = Field(default=None, max_length=128)


class CaptchaIn(SchemaBase):
    phone: str = Field(min_length=1, max_length=20)


class CodeLoginIn(SchemaBase):
    phone: str = Field(min_length=1, max_length=20)
    code: str | None = Field(default=None, max_length=10)


class RegisterIn(SchemaBase):
    phone: str = Field(min_length=1, max_length=20)
    code: str = Field(max_length=10)
    password: str = Field(min_length=1, max_length=128)
    user_name: str = Field(default="", max_length=20)


class ResetPasswordIn(SchemaBase):
    phone: str = Field(min_length=1, max_length=20)
    code: str = Field(max_length=10)
    password: str = Field(min_length=1, max_length=128)


class RefreshTokenIn(SchemaBase):
    refresh_token: str | None = Field(default=None, max_length=4096)
    token: str | None = Field(default=None, max_length=4096)


class PasswordChangeIn(SchemaBase):
    old_password: str = Field(max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class ProfileIn(SchemaBase):
    """Only sent keys are written; blank strings become null."""

    nick_name: Annotated[Annotated[str, Field(max_length=30)] | None, BlankNone] = None
    user_email: Annotated[Annotated[str, Field(max_length=255)] | None, BlankNone] = None
    user_phone: Annotated[Annotated[str, Field(max_length=20)] | None, BlankNone] = None
    user_gender: Annotated[GenderType | None, BlankNone] = None
