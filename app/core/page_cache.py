"""Per-worker cache of read results (list pages), exact across workers and replicas.

An admin backend answers the same list page again and again between writes.
Every committed database write made through Tortoise replaces a random token,
``data:version`` in Redis (``app.core.write_tracking`` finds the writes);
every authenticated request reads that token in the one MGET it already makes
(``AuthzRuntime.resolve``), and a cached page is served only when it was stored
under the token this request read. A write in any worker or replica therefore
invalidates every page everywhere before the writer's response leaves.

A random token rather than a counter: a Redis restart without persistence
loses the key, and a counter restarted at 0 would revalidate old pages. With
no token (Redis down, key lost, a public route) nothing is cached or served.

Not covered: writes made outside Trellis (another program, a SQL shell) — set
``PAGE_CACHE_ENTRIES=0`` if the database has other writers, or rely on
``PAGE_CACHE_MAX_AGE_SECONDS`` to bound how long such a write can stay unseen.
See docs/caching.md.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from app.core.ctx import CTX_X_REQUEST_ID

T = TypeVar("T")

#: (request id, data version) this request read; bound to the request id so a
#: value that outlives its request (in-process test clients share a context) is ignored.
CTX_DATA_VERSION: ContextVar[tuple[str, str | None] | None] = ContextVar("data_version", default=None)


def current_data_version() -> str | None:
    """The data version this request read, or None (nothing may be cached)."""
    bound = CTX_DATA_VERSION.get()
    if bound is None or bound[0] != CTX_X_REQUEST_ID.get():
        return None
    return bound[1]


class PageCache:
    """A bounded LRU of ``key → (data version, stored at, value)``.

    Cached values are shared between requests: callers must treat them as
    read-only (the envelope only serialises them).
    """

    def __init__(self, max_entries: int = 256, max_age: float = 60.0) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[Hashable, tuple[str, float, Any]] = OrderedDict()
        #: Moves on every write of this process: a load that overlapped one is not stored.
        self.generation = 0
        #: A write whose token replacement failed (Redis down): serve nothing until it is replaced.
        self.pending_bump = False
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def observe(version: str | None) -> None:
        """Record the data version this request read (called by the authentication step)."""
        CTX_DATA_VERSION.set((CTX_X_REQUEST_ID.get(), version))

    def local_write(self) -> None:
        """This process wrote: forget every page, and this request reads uncached from now on."""
        self.generation += 1
        self._entries.clear()
        CTX_DATA_VERSION.set(None)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._entries), "hits": self.hits, "misses": self.misses}

    async def get_or_load(self, key: Hashable, loader: Callable[[], Awaitable[T]]) -> T:
        """The page stored under this request's data version, else ``loader()`` (stored when safe)."""
        version = current_data_version()
        if version is None or self.max_entries <= 0 or self.pending_bump:
            return await loader()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version and now - entry[1] < self.max_age:
            self._entries.move_to_end(key)
            self.hits += 1
            value: T = entry[2]
            return value
        self.misses += 1
        generation = self.generation
        value = await loader()
        if generation == self.generation and current_data_version() == version:
            self._entries[key] = (version, now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


_current: list[PageCache] = [PageCache()]


def set_page_cache(cache: PageCache) -> None:
    """Make ``cache`` the process's page cache (done by the composition root)."""
    _current[:] = [cache]


def get_page_cache() -> PageCache:
    return _current[0]


async def cached_page(key: Hashable, loader: Callable[[], Awaitable[T]]) -> T:
    """``loader()``'s result, reused while no write happened anywhere (see module docstring)."""
    return await _current[0].get_or_load(key, loader)


__all__ = ["CTX_DATA_VERSION", "PageCache", "cached_page", "current_data_version", "get_page_cache", "set_page_cache"]
