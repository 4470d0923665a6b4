"""Errors are raised once and rendered once.

Services raise ``BizError`` (or a subclass); the handlers registered by
``register_exceptions`` turn every error into the envelope with HTTP 200.
Messages never contain exception text or request data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from tortoise.exceptions import DoesNotExist, IntegrityError, OperationalError, ValidationError

from app.core.code import Code
from app.core.ctx import get_request_id
from app.core.responses import Fail


class BizError(Exception):
    """A business rule failed: the envelope carries ``code`` and ``msg``."""

    def __init__(self, code: str | Code = Code.FAIL, msg: str | None = None, data: Any = None) -> None:
        self.code = str(code)
        self.msg = msg
        self.data = data
        super().__init__(self.code)


class SchemaValidationError(BizError):
    """Raised from Pydantic validators to answer with a specific 26xx code.

    Not a ``ValueError``, so Pydantic lets it through instead of folding it
    into a generic 1200 validation error.
    """


class NotFoundError(BizError):
    def __init__(self, msg: str | None = None) -> None:
        super().__init__(Code.NOT_FOUND, msg)


class PermissionDeniedError(BizError):
    def __init__(self, code: str | Code = Code.PERMISSION_DENIED, msg: str | None = None) -> None:
        super().__init__(code, msg)


class ConflictError(BizError):
    """Optimistic-lock or state conflicts."""

    def __init__(self, code: str | Code = Code.VERSION_CONFLICT, msg: str | None = None) -> None:
        super().__init__(code, msg)


#: Substrings of driver messages that mean "the database is not reachable".
_UNREACHABLE_MARKERS = (
    "connection refused",
    "connect call failed",
    "could not connect",
    "can't connect",
    "lost connection",
    "connection was closed",
    "connection is closed",
    "server closed the connection",
    "connection reset",
    "timed out",
    "timeout",
    "the database system is shutting down",
    "the database system is starting up",
    "terminating connection",
    "not currently accepting connections",
    "cannot switch to state",  # asyncpg: its connection was cut mid-query (InternalClientError)
    "2003",
    "2013",
)

#: PostgreSQL SQLSTATE prefixes meaning "no usable connection": class 08 and 57P01-57P03 (shutdown, cannot connect now).
_UNREACHABLE_SQLSTATES = ("08", "57P")

#: Known unique constraints (column name fragment -> code) for precise 23xx codes.
UNIQUE_CONSTRAINT_CODES: dict[str, Code] = {}


def register_unique_constraint(fragment: str, code: Code) -> None:
    """Map a constraint/column name fragment to a specific duplicate code."""
    UNIQUE_CONSTRAINT_CODES[fragment] = code


def integrity_code(exc: BaseException) -> Code:
    text = str(exc).lower()
    for fragment, code in UNIQUE_CONSTRAINT_CODES.items():
        if fragment in text:
            return code
    return Code.INTEGRITY_ERROR


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and its causes/contexts, each once (a cycle ends the walk)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _sqlstate(exc: BaseException) -> str:
    return str(getattr(exc, "sqlstate", "") or "")


def _unreachable_link(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | TimeoutError | OSError) and not isinstance(exc, FileNotFoundError):
        return True
    if _sqlstate(exc).startswith(_UNREACHABLE_SQLSTATES):
        return True
    text = str(exc).lower()
    return any(marker in text for marker in _UNREACHABLE_MARKERS)


def is_unreachable(exc: BaseException) -> bool:
    """True when ``exc`` (or its cause) says the database cannot be reached."""
    return any(_unreachable_link(link) for link in _chain(exc))


#: MySQL/MariaDB errors about a value (incorrect string value, too long, out of range, bad date).
_MYSQL_BAD_DATA = frozenset({1264, 1292, 1366, 1406})


def is_bad_data(exc: BaseException) -> bool:
    """True when the database refused a *value* the client sent (PostgreSQL SQLSTATE class 22, e.g. a NUL in text)."""
    for link in _chain(exc):
        if _sqlstate(link).startswith("22"):
            return True
        args = getattr(link, "args", ())
        if "mysql" in type(link).__module__ and args and args[0] in _MYSQL_BAD_DATA:
            return True
    return False


_TRANSIENT_MARKERS = ("deadlock", "1213", "40p01", "could not serialize access", "40001", "lock wait timeout", "1205")


def is_transient_conflict(exc: BaseException) -> bool:
    """True for a deadlock or serialization failure: the statement may simply be retried."""
    text = str(exc).lower()
    return any(marker in text for marker in _TRANSIENT_MARKERS)


def _loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) if parts else "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """``[{field, message, type}]`` without echoing the input values."""
    out: list[dict[str, str]] = []
    for err in exc.errors():
        kind = str(err.get("type", "value_error"))
        message = str(err.get("msg", "invalid value"))
        field = _loc_to_field(err.get("loc", ()))
        if kind == "json_invalid":  # the location is a character offset, not a field
            message, field = "invalid JSON", "body"
        out.append({"field": field, "message": message, "type": kind})
    return out


async def biz_error_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, BizError)
    return Fail(code=exc.code, msg=exc.msg, data=exc.data)


async def does_not_exist_handler(_: Request, exc: Exception) -> Response:
    return Fail(code=Code.NOT_FOUND)


async def integrity_handler(_: Request, exc: Exception) -> Response:
    logger.warning("integrity error: {}", type(exc).__name__)
    return Fail(code=integrity_code(exc))


async def request_validation_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return Fail(code=Code.REQUEST_VALIDATION, msg=f"{first['field']}: {first['message']}", data={"errors": errors})


async def response_validation_handler(_: Request, exc: Exception) -> Response:
    logger.error("response validation failed [{}]", get_request_id())
    return Fail(code=Code.RESPONSE_VALIDATION)


async def http_exception_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return Fail(code=Code.ROUTE_NOT_FOUND)
    if exc.status_code == 405:
        return Fail(code=Code.METHOD_NOT_ALLOWED)
    if exc.status_code == 413:
        return Fail(code=Code.PAYLOAD_TOO_LARGE)
    if exc.status_code in (401, 403):
        return Fail(code=Code.INVALID_TOKEN)
    return Fail(code=Code.REQUEST_VALIDATION, msg=None)


async def orm_validation_handler(_: Request, exc: Exception) -> Response:
    """The ORM refused a value (e.g. a filter value longer than its column): the client's input, 1200."""
    logger.warning("ORM validation refused a value [{}]", get_request_id())
    return Fail(code=Code.REQUEST_VALIDATION)


async def operational_error_handler(request: Request, exc: Exception) -> Response:
    if is_unreachable(exc):
        logger.error("database unavailable [{}]: {}", get_request_id(), type(exc).__name__)
        return Fail(code=Code.DATABASE_UNAVAILABLE)
    if is_bad_data(exc):
        logger.warning("database refused a value [{}]: {}", get_request_id(), type(exc).__name__)
        return Fail(code=Code.REQUEST_VALIDATION)
    return await unhandled_exception_handler(request, exc)


async def unhandled_exception_handler(request: Request, exc: Exception) -> Response:
    if is_unreachable(exc):
        logger.error("backing service unavailable [{}]: {}", get_request_id(), type(exc).__name__)
        return Fail(code=Code.DATABASE_UNAVAILABLE)
    logger.opt(exception=exc).error("unhandled {} on {} {} [{}]", type(exc).__name__, request.method, request.url.path, get_request_id())
    return Fail(code=Code.INTERNAL_ERROR)


def register_exceptions(app: FastAPI) -> None:
    """Install every handler; the app answers in the envelope whatever happens."""
    app.add_exception_handler(BizError, biz_error_handler)
    app.add_exception_handler(DoesNotExist, does_not_exist_handler)
    app.add_exception_handler(IntegrityError, integrity_handler)
    app.add_exception_handler(OperationalError, operational_error_handler)
    app.add_exception_handler(ValidationError, orm_validation_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(ResponseValidationError, response_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)
