"""Small pieces shared by the system-management schemas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, StringConstraints

from app.core.code import Code
from app.core.exceptions import SchemaValidationError


def blank_to_none(value: Any) -> Any:
    """The frontend sends ``""`` for an empty input; treat it as absent."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def require_text(value: str | None, code: Code) -> str:
    """A required text field: missing or blank answers with its own 26xx code."""
    if value is None or not value.strip():
        raise SchemaValidationError(code)
    return value


BlankNone = BeforeValidator(blank_to_none)
"""Validator marker: ``""`` / whitespace becomes ``None`` before validation."""


# Optional bounded strings; an empty or blank input counts as absent (None).
Text20 = Annotated[Annotated[str, StringConstraints(max_length=20)] | None, BlankNone]
Text30 = Annotated[Annotated[str, StringConstraints(max_length=30)] | None, BlankNone]
Text100 = Annotated[Annotated[str, StringConstraints(max_length=100)] | None, BlankNone]
Text128 = Annotated[Annotated[str, StringConstraints(max_length=128)] | None, BlankNone]
Text200 = Annotated[Annotated[str, StringConstraints(max_length=200)] | None, BlankNone]
Text255 = Annotated[Annotated[str, StringConstraints(max_length=255)] | None, BlankNone]
Text500 = Annotated[Annotated[str, StringConstraints(max_length=500)] | None, BlankNone]


def field_values(model: BaseModel, *, exclude: Iterable[str] = (), only_set: bool = False) -> dict[str, Any]:
    """Python-side values (ids stay ints, unlike ``model_dump``) of the non-null fields.

    With ``only_set`` just the keys the client sent, nulls included.
    """
    skip = set(exclude)
    if only_set:
        return {name: getattr(model, name) for name in model.model_fields_set if name not in skip}
    return {name: value for name in type(model).model_fields if name not in skip and (value := getattr(model, name)) is not None}
