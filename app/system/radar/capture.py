"""Per-request capture: the SQL a request ran and its ``radar_log`` entries.

The middleware puts a ``RequestCapture`` into ``CTX_CAPTURE``; Tortoise's
client ``execute_*`` methods are wrapped once per process to append every
statement to it (Radar's own connection excluded, nested calls counted once).
Outside a captured request the wrappers cost one ContextVar lookup.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import orjson
from loguru import logger
from tortoise.backends.base.client import BaseDBAsyncClient

from app.core.database import patch_client_methods
from app.system.radar.redact import redact_sql_params, redact_value, truncate

RADAR_CONNECTION = "conn_radar"
_MARK = "__radar_wrapped__"
MAX_SQL_CHARS = 5000
MAX_PARAMS = 100
MAX_QUERIES_PER_REQUEST = 500
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")
_OPERATIONS = ("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "PRAGMA")


class RequestCapture:
    """What one request collected; turned into rows by the middleware.

    A slotted class with a plain ``__init__``: one is made per captured
    request, on the event loop every request shares.
    """

    __slots__ = ("logs", "queries", "started", "x_request_id")

    def __init__(self, x_request_id: str) -> None:
        self.x_request_id = x_request_id
        self.started = time.perf_counter()
        self.queries: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []

    def elapsed(self) -> float:
        """Seconds since the request started, unrounded (the store rounds, off the request path)."""
        return time.perf_counter() - self.started

    def offset_ms(self) -> float:
        return round(self.elapsed() * 1000, 3)


CTX_CAPTURE: ContextVar[RequestCapture | None] = ContextVar("radar_capture", default=None)
_IN_SQL: ContextVar[bool] = ContextVar("radar_in_sql", default=False)


def operation_of(sql: str) -> str:
    head = sql.lstrip().split(None, 1)
    if not head:
        return "UNKNOWN"
    word = head[0].upper()
    return word if word in _OPERATIONS else "OTHER"


def _params_text(sql: str, args: tuple[Any, ...], many: bool) -> str | None:
    if not args:
        return None
    values = args[0]
    if many:
        return f"[{len(values)} rows]"
    if values is None:
        return None
    shown = redact_sql_params(sql, list(values)[:MAX_PARAMS])
    return orjson.dumps(shown, default=str).decode()


def _record(capture: RequestCapture, client: BaseDBAsyncClient, name: str, sql: str, *, args: tuple[Any, ...], began: float) -> None:
    if len(capture.queries) >= MAX_QUERIES_PER_REQUEST:
        return
    capture.queries.append(
        {
            "sql_text": truncate(sql, MAX_SQL_CHARS),
            "params": _params_text(sql, args, name == "execute_many"),
            "operation": operation_of(sql),
            "duration_ms": round((time.perf_counter() - began) * 1000, 3),
            "connection_name": client.connection_name,
            "start_offset_ms": round((began - capture.started) * 1000, 3),
        }
    )


def _wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def captured(self: BaseDBAsyncClient, query: str, *args: Any, **kwargs: Any) -> Any:
        capture = CTX_CAPTURE.get()
        if capture is None or _IN_SQL.get() or self.connection_name == RADAR_CONNECTION:
            return await method(self, query, *args, **kwargs)
        token = _IN_SQL.set(True)
        began = time.perf_counter()
        try:
            return await method(self, query, *args, **kwargs)
        finally:
            _IN_SQL.reset(token)
            _record(capture, self, name, query, args=args or tuple(kwargs.values()), began=began)

    return captured


def install_sql_capture() -> int:
    """Wrap every loaded Tortoise client class's execute methods (idempotent); return how many."""
    return patch_client_methods(_METHODS, _wrap, _MARK)


def _caller(depth: int) -> str:
    frame = sys._getframe(depth)
    module = frame.f_globals.get("__name__", "?")
    return f"{module}.{frame.f_code.co_name}:{frame.f_lineno}"


def radar_log(message: str, *, level: str = "INFO", data: Any = None, log_to_file: bool = True) -> None:
    """Record a developer/audit event on the current request's Radar timeline.

    ``level`` is one of DEBUG/INFO/WARNING/ERROR/CRITICAL. ``data`` is stored as
    JSON after redaction. With ``log_to_file`` the event is also a loguru line.
    Outside a captured request (or with Radar off) only the log line is written.
    """
    level = level.upper() if level.upper() in LOG_LEVELS else "INFO"
    source = _caller(2)
    safe = redact_value(data) if data is not None else None
    data_text = orjson.dumps(safe, default=str).decode() if safe is not None else None
    if log_to_file:
        suffix = f" | {data_text}" if data_text else ""
        logger.opt(depth=1).log(level, "{}{}", message, suffix)
    capture = CTX_CAPTURE.get()
    if capture is not None:
        capture.logs.append({"level": level, "message": message, "data": data_text, "source": source, "offset_ms": capture.offset_ms()})


__all__ = ["CTX_CAPTURE", "RADAR_CONNECTION", "RequestCapture", "install_sql_capture", "operation_of", "radar_log"]
