"""In-process event bus: how business modules talk to each other.

Handlers subscribe to a dotted event name with ``@on("product.created")``
(sync or async functions taking the payload). ``emit`` calls them one after
another in subscription order; a failing handler is logged and skipped so the
emitter and the other handlers are never affected.

Events declared with ``EventSpec(delivery="outbox")`` are not dispatched at
once: ``emit`` writes an ``event_outbox`` row in the caller's transaction and
the leader-only outbox task dispatches it later (see ``app.core.outbox``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from loguru import logger
from pydantic import BaseModel as PydanticModel

from app.core.names import DOTTED_NAME_RE

Handler = Callable[[Any], Awaitable[None] | None]
EventDelivery = Literal["local", "outbox"]


class EventError(ValueError):
    """An event declaration or payload is invalid (a programming error)."""


@dataclass(frozen=True)
class EventSpec:
    """A declared event: name (dotted lowercase), payload model, version, delivery.

    ``delivery="local"`` dispatches in-process at ``emit`` time;
    ``delivery="outbox"`` stores the event with the caller's transaction and
    dispatches it after commit, with retries (at-least-once).
    """

    name: str
    payload: type[PydanticModel] | None = None
    version: int = 1
    delivery: EventDelivery = "local"

    def __post_init__(self) -> None:
        if not DOTTED_NAME_RE.match(self.name):
            raise EventError(f"event name {self.name!r} must be dotted lowercase, e.g. 'product.created'")
        if self.version < 1:
            raise EventError(f"event {self.name}: version must be >= 1")
        if self.delivery not in ("local", "outbox"):
            raise EventError(f"event {self.name}: delivery must be 'local' or 'outbox'")

    def build_payload(self, payload: Any = None, fields: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Validate ``payload``/``fields`` against the payload model; a JSON-ready dict."""
        data = payload if payload is not None else (fields or None)
        if self.payload is None:
            if data is not None and not isinstance(data, dict):
                raise EventError(f"event {self.name}: payload must be a dict")
            return data
        if isinstance(data, self.payload):
            return data.model_dump(mode="json")
        return self.payload.model_validate(data or {}).model_dump(mode="json")


class HandlerFailedError(RuntimeError):
    """Raised by ``EventBus.dispatch(strict=True)`` when some handler failed."""


class EventBus:
    """Subscriptions by event name; dispatch is sequential and failure-isolated."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}

    def subscribe(self, event: str, handler: Handler) -> None:
        """Add ``handler`` for ``event`` (subscribing the same function twice is a no-op)."""
        handlers = self._handlers.setdefault(event, [])
        if handler not in handlers:
            handlers.append(handler)

    def unsubscribe(self, event: str, handler: Handler) -> None:
        handlers = self._handlers.get(event, [])
        if handler in handlers:
            handlers.remove(handler)

    def on(self, event: str | EventSpec) -> Callable[[Handler], Handler]:
        """Decorator form of ``subscribe``."""
        name = event.name if isinstance(event, EventSpec) else event

        def decorate(handler: Handler) -> Handler:
            self.subscribe(name, handler)
            return handler

        return decorate

    def handlers(self, event: str) -> list[Handler]:
        return list(self._handlers.get(event, []))

    async def dispatch(self, event: str, payload: Any = None, *, strict: bool = False) -> int:
        """Call every handler of ``event`` in order; the number that failed.

        Failures are logged and swallowed; with ``strict`` they are raised
        after all handlers ran (the outbox uses this to retry).
        """
        errors: list[str] = []
        for handler in self.handlers(event):
            try:
                result = handler(payload)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # noqa: BLE001 - one handler must not break the others
                errors.append(f"{_handler_name(handler)}: {type(exc).__name__}: {exc}")
                logger.opt(exception=True).error("event handler {} for {} failed", _handler_name(handler), event)
        if errors and strict:
            raise HandlerFailedError(f"{len(errors)} handler(s) of {event} failed; first: {errors[0]}")
        return len(errors)

    async def emit(self, event: str | EventSpec, payload: Any = None, **fields: Any) -> None:
        """Publish ``event``: dispatch now (local) or store in the outbox (outbox).

        For outbox events the row joins the transaction open on the outbox's
        connection in this task (``async with in_transaction(...)``), so it is
        committed or rolled back with the caller's write.
        """
        if isinstance(event, EventSpec):
            data = event.build_payload(payload, fields)
            if event.delivery == "outbox":
                from app.core.outbox import enqueue

                await enqueue(event, data)
                return
            await self.dispatch(event.name, data)
            return
        await self.dispatch(event, payload if payload is not None else (fields or None))


def _handler_name(handler: Handler) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"


#: The process-wide bus used by ``on`` / ``emit``.
bus = EventBus()


def on(event: str | EventSpec) -> Callable[[Handler], Handler]:
    """Subscribe the decorated function to ``event`` on the process-wide bus."""
    return bus.on(event)


async def emit(event: str | EventSpec, payload: Any = None, **fields: Any) -> None:
    """Publish ``event`` on the process-wide bus (see ``EventBus.emit``)."""
    await bus.emit(event, payload, **fields)
