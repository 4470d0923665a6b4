"""The page cache serves a stored value only under the data version the request read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from app.core import page_cache as page_cache_module
from app.core.ctx import CTX_X_REQUEST_ID
from app.core.page_cache import PageCache, current_data_version


class Loader:
    """Counts its calls; returns the call number."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return self.calls


@pytest.fixture(autouse=True)
def request_id() -> Iterator[None]:
    token = CTX_X_REQUEST_ID.set("request-1")
    yield
    CTX_X_REQUEST_ID.reset(token)


async def test_a_page_is_reused_under_the_same_data_version() -> None:
    cache, load = PageCache(), Loader()
    cache.observe("v1")
    assert [await cache.get_or_load("k", load) for _ in range(3)] == [1, 1, 1]
    assert load.calls == 1 and cache.stats() == {"entries": 1, "hits": 2, "misses": 1}


async def test_a_new_data_version_reloads() -> None:
    cache, load = PageCache(), Loader()
    cache.observe("v1")
    await cache.get_or_load("k", load)
    cache.observe("v2")
    assert await cache.get_or_load("k", load) == 2
    cache.observe("v1")  # a request that read the old token before the write: the old page is gone
    assert await cache.get_or_load("k", load) == 3


async def test_nothing_is_cached_without_a_data_version() -> None:
    cache, load = PageCache(), Loader()
    assert await cache.get_or_load("k", load) == 1  # no authentication step observed a version
    cache.observe(None)  # Redis had no token (down, or the key was lost)
    assert [await cache.get_or_load("k", load) for _ in range(2)] == [2, 3]
    assert len(cache) == 0


async def test_a_version_read_by_another_request_is_ignored() -> None:
    cache, load = PageCache(), Loader()
    cache.observe("v1")
    CTX_X_REQUEST_ID.set("request-2")
    assert current_data_version() is None
    assert [await cache.get_or_load("k", load) for _ in range(2)] == [1, 2]


async def test_zero_entries_disables_the_cache() -> None:
    cache, load = PageCache(max_entries=0), Loader()
    cache.observe("v1")
    assert [await cache.get_or_load("k", load) for _ in range(2)] == [1, 2]


async def test_a_pending_version_bump_disables_the_cache() -> None:
    cache, load = PageCache(), Loader()
    cache.observe("v1")
    await cache.get_or_load("k", load)
    cache.pending_bump = True
    assert await cache.get_or_load("k", load) == 2


async def test_a_local_write_drops_every_page_and_stops_caching_for_this_request() -> None:
    cache, load = PageCache(), Loader()
    cache.observe("v1")
    await cache.get_or_load("k", load)
    cache.local_write()
    assert current_data_version() is None
    assert [await cache.get_or_load("k", load) for _ in range(2)] == [2, 3]
    assert len(cache) == 0


async def test_a_load_that_overlapped_a_local_write_is_not_stored() -> None:
    cache = PageCache()
    cache.observe("v1")
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> str:
        started.set()
        await release.wait()
        return "read before the write committed"

    reader = asyncio.create_task(cache.get_or_load("k", slow))
    await started.wait()

    async def writer() -> None:  # another request of this worker, in its own context
        cache.local_write()

    await asyncio.create_task(writer())
    release.set()
    assert await reader == "read before the write committed"
    assert len(cache) == 0


async def test_the_least_recently_used_page_is_evicted() -> None:
    cache = PageCache(max_entries=2)
    cache.observe("v1")
    for key in ("a", "b"):
        await cache.get_or_load(key, Loader())
    await cache.get_or_load("a", Loader())  # a is now the most recent
    await cache.get_or_load("c", Loader())
    load = Loader()
    assert await cache.get_or_load("a", load) == 1 and load.calls == 0
    assert await cache.get_or_load("b", load) == 1 and load.calls == 1


async def test_a_page_older_than_the_max_age_is_reloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(page_cache_module.time, "monotonic", lambda: now[0])
    cache, load = PageCache(max_age=10.0), Loader()
    cache.observe("v1")
    await cache.get_or_load("k", load)
    now[0] += 9.9
    assert await cache.get_or_load("k", load) == 1
    now[0] += 0.2
    assert await cache.get_or_load("k", load) == 2
