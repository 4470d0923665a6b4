"""An exclusive lock between the processes of one host, held on a file in the data directory.

The embedded defaults (SQLite file, Valkey) live on one host, so the workers
that start together there need no Redis to take turns: ``flock`` is released
by the kernel when the holder closes the file or dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold ``path``'s lock (the file is created if missing) for the block."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextlib.asynccontextmanager
async def exclusive_async(path: Path) -> AsyncIterator[None]:
    """``exclusive`` for a coroutine: the wait for the lock runs in a thread, not on the event loop."""
    lock = exclusive(path)
    await asyncio.to_thread(lock.__enter__)
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


__all__ = ["exclusive", "exclusive_async"]
