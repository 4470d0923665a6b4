"""One holder at a time per lock file, whether the waiter is a thread or a coroutine."""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path

from app.core.file_lock import exclusive, exclusive_async


async def test_a_coroutine_waits_for_the_holder_without_blocking_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "start.lock"
    acquired = asyncio.Event()

    async def second() -> None:
        async with exclusive_async(path):
            acquired.set()

    with exclusive(path):  # its own open file, as another process would have
        waiter = asyncio.create_task(second())
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.01)
            ticks += 1
        assert not acquired.is_set()
        assert ticks == 20  # the loop kept running while the waiter waited
    await asyncio.wait_for(waiter, 5)
    assert acquired.is_set()


def free(path: Path) -> bool:
    """Whether another open of ``path`` could take the lock right now."""
    with open(path, "w") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


async def test_the_lock_is_held_inside_the_block_and_free_after_it(tmp_path: Path) -> None:
    path = tmp_path / "start.lock"
    async with exclusive_async(path):
        assert not free(path)
    assert free(path)
