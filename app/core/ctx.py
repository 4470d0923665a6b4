"""Per-request context variables.

Middlewares and auth dependencies fill these; services and the envelope read
them without threading the request through every call.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from fastapi import BackgroundTasks

CTX_X_REQUEST_ID: ContextVar[str] = ContextVar("x_request_id", default="")
CTX_BG_TASKS: ContextVar[BackgroundTasks | None] = ContextVar("bg_tasks", default=None)
CTX_USER_ID: ContextVar[int] = ContextVar("user_id", default=0)
CTX_USER_NAME: ContextVar[str | None] = ContextVar("user_name", default=None)
CTX_USER: ContextVar[Any] = ContextVar("user", default=None)
CTX_ROLE_CODES: ContextVar[tuple[str, ...]] = ContextVar("role_codes", default=())
CTX_BUTTON_CODES: ContextVar[frozenset[str]] = ContextVar("button_codes", default=frozenset())
CTX_IMPERSONATOR_ID: ContextVar[int | None] = ContextVar("impersonator_id", default=None)
CTX_PREFER_CHINESE: ContextVar[bool] = ContextVar("prefer_chinese", default=False)


def get_request_id() -> str:
    """The current request's X-Request-ID, or "" outside a request."""
    return CTX_X_REQUEST_ID.get()


def add_background_task(func: Any, *args: Any, **kwargs: Any) -> bool:
    """Schedule ``func`` to run after the response; False outside a request."""
    tasks = CTX_BG_TASKS.get()
    if tasks is None:
        return False
    tasks.add_task(func, *args, **kwargs)
    return True
