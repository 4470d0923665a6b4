"""The one envelope: HTTP 200 with ``{code, msg, data}``, serialised by orjson.

Keys inside ``data`` are expected to be camelCase already (model dumps and
schemas produce them); the envelope never renames user data.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel as PydanticModel
from pydantic import Field

from app.core.code import Code
from app.core.i18n import translate

T = TypeVar("T")

_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(value: Any) -> Any:
    if isinstance(value, PydanticModel):
        return value.model_dump(by_alias=True, mode="json")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset):
        return list(value)
    if hasattr(value, "value"):  # Enum-like
        return value.value
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(content: Any) -> bytes:
    """Serialise like the envelope does (datetimes, Decimals via default)."""
    return orjson.dumps(content, default=_default, option=_ORJSON_OPTIONS)


class Custom(JSONResponse):
    """An envelope with any code; the base of every response Trellis sends."""

    def __init__(
        self,
        code: str | Code = Code.SUCCESS,
        msg: str | None = None,
        data: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        code_str = str(code.value if isinstance(code, Code) else code)
        body: dict[str, Any] = {"code": code_str, "msg": msg if msg is not None else translate(code_str), "data": data}
        body.update(extra)
        super().__init__(content=body, status_code=status_code, headers=headers)

    def render(self, content: Any) -> bytes:
        return dumps(content)


class Success(Custom):
    """``code="0000"``; ``data`` carries the result."""

    def __init__(self, data: Any = None, msg: str | None = None, **kwargs: Any) -> None:
        super().__init__(code=Code.SUCCESS, msg=msg, data=data, **kwargs)


class SuccessExtra(Custom):
    """A page: ``data = {records, total, current, size}``."""

    def __init__(
        self,
        data: list[Any] | None = None,
        total: int = 0,
        current: int = 1,
        size: int = 10,
        msg: str | None = None,
        **kwargs: Any,
    ) -> None:
        page = {"records": data or [], "total": total, "current": current, "size": size}
        super().__init__(code=Code.SUCCESS, msg=msg, data=page, **kwargs)


class Fail(Custom):
    """A business failure; prefer raising ``BizError`` from services."""

    def __init__(self, code: str | Code = Code.FAIL, msg: str | None = None, data: Any = None, **kwargs: Any) -> None:
        super().__init__(code=code, msg=msg, data=data, **kwargs)


class ResponseModel(PydanticModel, Generic[T]):
    """OpenAPI shape of the envelope."""

    code: str = Field(default="0000", examples=["0000"])
    msg: str = "OK"
    data: T | None = None


class PageData(PydanticModel, Generic[T]):
    """OpenAPI shape of a page."""

    records: list[T] = []
    total: int = 0
    current: int = 1
    size: int = 10


class PageResponseModel(PydanticModel, Generic[T]):
    """OpenAPI shape of a paged envelope."""

    code: str = "0000"
    msg: str = "OK"
    data: PageData[T] | None = None
