"""StateMachine: the transition table, error codes, and optimistic locking on every backend."""

from __future__ import annotations

import asyncio

import pytest

from app.core.code import Code
from app.core.config import Settings
from app.core.exceptions import BizError, ConflictError, NotFoundError
from app.core.state_machine import StateMachine
from tests import services
from tests.core.business_models import Document, started

FLOW = {"draft": ["review"], "review": ["draft", "published"], "published": []}
LOCKED = StateMachine(FLOW, version_field="version")


def test_the_table_answers_allowed_and_allowed_targets() -> None:
    assert LOCKED.allowed("draft", "review")
    assert not LOCKED.allowed("draft", "published")
    assert not LOCKED.allowed("unknown", "draft")
    assert LOCKED.allowed_targets("review") == ["draft", "published"]
    assert LOCKED.allowed_targets("published") == []


async def test_a_transition_updates_row_object_and_version(settings: Settings, backend: services.Backend) -> None:
    logged: list[tuple[str, str]] = []

    async def log_fn(obj: Document, source: str, target: str) -> None:
        logged.append((source, target))

    async with started(settings, backend.name):
        doc = await Document.create(title="spec")
        await LOCKED.transition(doc, "review", extra_updates={"reviewer": "ann"}, log_fn=log_fn)
        assert (doc.status, doc.version, doc.reviewer) == ("review", 1, "ann")
        stored = await Document.get(id=doc.id)
        assert (stored.status, stored.version, stored.reviewer) == ("review", 1, "ann")
        assert logged == [("draft", "review")]


async def test_a_forbidden_transition_raises_the_machine_code_and_writes_nothing(settings: Settings, backend: services.Backend) -> None:
    custom = StateMachine(FLOW, error_code="4007")
    async with started(settings, backend.name):
        doc = await Document.create(title="spec")
        with pytest.raises(BizError) as default_error:
            await LOCKED.transition(doc, "published")
        assert default_error.value.code == Code.INVALID_STATE_TRANSITION == "2407"
        with pytest.raises(BizError) as custom_error:
            await custom.transition(doc, "published")
        assert custom_error.value.code == "4007"
        assert (await Document.get(id=doc.id)).status == "draft"


async def test_a_stale_copy_loses_with_version_conflict(settings: Settings, backend: services.Backend) -> None:
    async with started(settings, backend.name):
        doc = await Document.create(title="spec")
        stale = await Document.get(id=doc.id)
        await LOCKED.transition(doc, "review")
        await LOCKED.transition(doc, "draft")  # back to draft: only the version tells the copies apart
        with pytest.raises(ConflictError) as conflict:
            await LOCKED.transition(stale, "review")
        assert conflict.value.code == Code.VERSION_CONFLICT == "2306"
        assert (await Document.get(id=doc.id)).version == 2


async def test_of_two_concurrent_transitions_exactly_one_wins(settings: Settings, backend: services.Backend) -> None:
    async with started(settings, backend.name):
        doc = await Document.create(title="spec")
        first, second = await Document.get(id=doc.id), await Document.get(id=doc.id)
        results = await asyncio.gather(LOCKED.transition(first, "review"), LOCKED.transition(second, "review"), return_exceptions=True)
        conflicts = [r for r in results if isinstance(r, ConflictError)]
        assert len(conflicts) == 1, results
        assert (await Document.get(id=doc.id)).version == 1


async def test_without_a_version_field_the_state_itself_guards_the_update(settings: Settings, backend: services.Backend) -> None:
    plain = StateMachine(FLOW)
    async with started(settings, backend.name):
        doc = await Document.create(title="spec")
        stale = await Document.get(id=doc.id)
        await plain.transition(doc, "review")
        assert (await Document.get(id=doc.id)).version == 0
        with pytest.raises(ConflictError):
            await plain.transition(stale, "review")


async def test_a_deleted_row_is_not_found(settings: Settings, backend: services.Backend) -> None:
    async with started(settings, backend.name):
        doc = await Document.create(title="spec")
        await Document.filter(id=doc.id).delete()
        with pytest.raises(NotFoundError):
            await LOCKED.transition(doc, "review")


def test_enum_states_are_accepted() -> None:
    from enum import StrEnum

    class Phase(StrEnum):
        draft = "draft"
        review = "review"

    machine = StateMachine({Phase.draft: [Phase.review]})
    assert machine.allowed("draft", Phase.review)
    assert machine.allowed_targets(Phase.draft) == ["review"]
