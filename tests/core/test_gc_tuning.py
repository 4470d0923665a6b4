"""A started app freezes what start-up built and collects less often; stopping undoes it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from app.core.gc_tuning import restore, settle_heap
from tests import services
from tests.conftest import reset_database


@pytest.fixture
def pristine_gc() -> Iterator[tuple[int, int, int]]:
    """Python's collector as the test found it, and a guarantee it is left that way."""
    gc.unfreeze()
    before = gc.get_threshold()
    yield before
    gc.unfreeze()
    gc.set_threshold(*before)


def test_settle_freezes_startup_objects_and_raises_the_first_threshold(pristine_gc: tuple[int, int, int]) -> None:
    built_at_startup = [{"route": i} for i in range(1000)]
    settled = settle_heap(20_000)
    assert settled
    assert gc.get_freeze_count() >= len(built_at_startup)
    assert gc.get_threshold() == (20_000, pristine_gc[1], pristine_gc[2])
    restore(settled)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == pristine_gc


def test_zero_leaves_the_collector_alone(pristine_gc: tuple[int, int, int]) -> None:
    assert settle_heap(0) is False
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == pristine_gc
    restore(False)
    assert gc.get_threshold() == pristine_gc


def test_the_last_of_several_apps_restores_the_defaults(pristine_gc: tuple[int, int, int]) -> None:
    first, second = settle_heap(20_000), settle_heap(50_000)
    assert gc.get_threshold()[0] == 50_000
    restore(first)
    assert gc.get_freeze_count() > 0, "the second app still runs"
    restore(second)
    assert gc.get_threshold() == pristine_gc
    assert gc.get_freeze_count() == 0


async def test_an_app_settles_on_start_and_restores_on_stop(
    app_factory: Callable[..., FastAPI], backend: services.Backend, pristine_gc: tuple[int, int, int]
) -> None:
    app = app_factory(GC_GEN0_THRESHOLD=30_000)
    await reset_database(app, backend.name)
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == 30_000
        assert gc.get_freeze_count() > 10_000, "the app's routes, models and schemas are frozen"
    assert gc.get_threshold() == pristine_gc
    assert gc.get_freeze_count() == 0
