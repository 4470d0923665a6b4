"""Request/response schema bases: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from copy import copy
from typing import Any, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from app.core.types import SqidId

_ORDER_ITEM = re.compile(r"^-?[A-Za-z][A-Za-z0-9_]{0,63}$")
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")

M = TypeVar("M", bound=BaseModel)


def to_camel(name: str) -> str:
    """``i18n_key`` -> ``i18nKey`` (unlike pydantic's, digits never capitalise the next letter)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_snake(name: str) -> str:
    """``createdAt`` -> ``created_at`` (snake_case passes through)."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


class SchemaBase(BaseModel):
    """camelCase aliases; snake_case names are accepted too; unknown keys ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        str_strip_whitespace=False,
    )


class PageQueryBase(SchemaBase):
    """Paging body: ``current`` >= 1, ``size`` 1..1000, ``orderBy`` like ``["-id", "user_name"]``.

    Order items are checked for shape here and against the resource's
    whitelist in ``CRUDBase``; nothing else ever reaches SQL.
    """

    current: int = Field(default=1, ge=1, le=10_000_000)
    size: int = Field(default=10, ge=1, le=1000)
    order_by: list[str] | None = Field(default=None, max_length=10)

    @field_validator("order_by")
    @classmethod
    def _check_order(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out: list[str] = []
        for item in value:
            if not isinstance(item, str) or not _ORDER_ITEM.match(item):
                raise ValueError("order fields must be plain field names, optionally prefixed with '-'")
            desc = item.startswith("-")
            name = to_snake(item[1:] if desc else item)
            out.append(f"-{name}" if desc else name)
        return out


def _none_passing(func: Callable[..., Any], mode: str) -> Callable[..., Any]:
    """Wrap a field validator so an explicit ``null`` in an update skips it."""
    takes_info = len(inspect.signature(func).parameters) >= (3 if mode == "wrap" else 2)
    if mode == "wrap":

        def wrap_validator(cls: Any, value: Any, handler: Any, info: ValidationInfo) -> Any:
            if value is None:
                return None
            return func(value, handler, info) if takes_info else func(value, handler)

        return wrap_validator

    def validator(cls: Any, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        return func(value, info) if takes_info else func(value)

    return validator


def make_optional(model: type[M], name: str | None = None) -> type[M]:
    """A copy of ``model`` whose fields are all optional (default None): the Update schema.

    Aliases, constraints and validators are kept; field validators are skipped
    for an explicit ``null`` (the "leave unchanged" value of a partial update),
    so a validator written for the Create schema never sees ``None``.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        new_info = copy(info)
        new_info.default = None
        new_info.default_factory = None
        fields[field_name] = (Optional[info.annotation], new_info)  # noqa: UP045 - annotation is a runtime value
    validators: dict[str, Any] = {}
    for attr, decorator in model.__pydantic_decorators__.field_validators.items():
        dec_info = decorator.info
        wrapped = _none_passing(decorator.func, dec_info.mode)
        validators[attr] = field_validator(*dec_info.fields, mode=dec_info.mode, check_fields=False)(wrapped)
    optional: type[M] = create_model(name or f"{model.__name__}Optional", __base__=model, __validators__=validators, **fields)
    return optional


class CommonIds(SchemaBase):
    """A batch of ids: ``{"ids": [sqid, ...]}``."""

    ids: list[SqidId] = Field(min_length=1, max_length=1000)


class OfflineByRoleRequest(SchemaBase):
    """Force logout of every user holding any of these role codes."""

    role_codes: list[str] = Field(min_length=1, max_length=100)
