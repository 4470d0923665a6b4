"""Pydantic types for the HTTP boundary: sqid ids and bounded integers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

from app.core.sqids import SqidDecodeError, decode_id, encode_id


def _decode_public(value: Any) -> int:
    """Accept canonical sqid strings and the number 0 (root / no reference)."""
    if isinstance(value, bool):
        raise ValueError("invalid id")
    if isinstance(value, int):
        if value == 0:
            return 0
        raise ValueError("ids must be sqid strings")
    if isinstance(value, str):
        if value == "0":
            return 0
        try:
            return decode_id(value)
        except SqidDecodeError:
            raise ValueError("invalid id") from None
    raise ValueError("invalid id")


def _encode_public(value: int) -> str | int:
    return encode_id(value)


_SQID_SCHEMA = WithJsonSchema({"type": "string", "minLength": 8, "maxLength": 32, "pattern": "^[A-Za-z0-9]+$"})

SqidId = Annotated[
    int,
    BeforeValidator(_decode_public),
    PlainSerializer(_encode_public, return_type=str | int, when_used="json"),
    _SQID_SCHEMA,
]
"""An id that is a sqid on the wire (both ways) and an int in Python."""

SqidPath = Annotated[int, BeforeValidator(_decode_public), _SQID_SCHEMA]
"""A path parameter holding a sqid, decoded to an int."""

Int16 = Annotated[int, Field(ge=-32768, le=32767)]
Int32 = Annotated[int, Field(ge=-2147483648, le=2147483647)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
