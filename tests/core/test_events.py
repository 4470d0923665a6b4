"""The in-process event bus: ordered, failure-isolated, sync or async handlers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from app.core.events import EventBus, EventError, EventSpec, HandlerFailedError


class Created(BaseModel):
    item_id: int
    name: str


async def test_handlers_run_in_subscription_order_sync_and_async() -> None:
    bus, calls = EventBus(), []

    @bus.on("item.created")
    def first(payload: Any) -> None:
        calls.append(("first", payload))

    @bus.on("item.created")
    async def second(payload: Any) -> None:
        calls.append(("second", payload))

    await bus.emit("item.created", {"id": 1})
    assert calls == [("first", {"id": 1}), ("second", {"id": 1})]


async def test_a_failing_handler_neither_reaches_the_emitter_nor_stops_the_others() -> None:
    bus, calls = EventBus(), []

    @bus.on("item.created")
    def broken(_: Any) -> None:
        raise RuntimeError("boom")

    @bus.on("item.created")
    def healthy(payload: Any) -> None:
        calls.append(payload)

    await bus.emit("item.created", {"id": 2})  # does not raise
    assert calls == [{"id": 2}]
    with pytest.raises(HandlerFailedError):
        await bus.dispatch("item.created", {"id": 3}, strict=True)
    assert calls == [{"id": 2}, {"id": 3}]


async def test_events_without_subscribers_are_a_no_op_and_duplicates_subscribe_once() -> None:
    bus, calls = EventBus(), []

    def handler(payload: Any) -> None:
        calls.append(payload)

    bus.subscribe("a.b", handler)
    bus.subscribe("a.b", handler)
    await bus.emit("nobody.listens", {"x": 1})
    await bus.emit("a.b", x=1)
    assert calls == [{"x": 1}]
    bus.unsubscribe("a.b", handler)
    await bus.emit("a.b", x=2)
    assert calls == [{"x": 1}]


async def test_event_specs_validate_their_payload_before_dispatch() -> None:
    bus, calls = EventBus(), []
    spec = EventSpec("item.created", payload=Created)
    bus.on(spec)(calls.append)

    await bus.emit(spec, item_id=5, name="bolt")
    await bus.emit(spec, Created(item_id=6, name="nut"))
    assert calls == [{"item_id": 5, "name": "bolt"}, {"item_id": 6, "name": "nut"}]
    with pytest.raises(ValidationError):
        await bus.emit(spec, item_id="not a number", name="x")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Created"}, "dotted lowercase"),
        ({"name": "item"}, "dotted lowercase"),
        ({"name": "item.created", "version": 0}, "version"),
        ({"name": "item.created", "delivery": "kafka"}, "delivery"),
    ],
)
def test_invalid_event_declarations_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(EventError, match=message):
        EventSpec(**kwargs)
