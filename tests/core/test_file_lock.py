"""One holder at a time per lock file, whether the waiter is a thread or a coroutine."""

from __future__ import annotations

import asyncio
import fcntl
import threading
from pathlib import Path

from app.core.file_lock import exclusive, exclusive_async


async def test_a_coroutine_waits_for_the_holder_without_blocking_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "start.lock"
    holding, loop_ran = threading.Event(), threading.Event()

    def holder() -> None:  # another holder, as another process would be: released once the loop has run on, at most 2 s
        with exclusive(path):
            holding.set()
            loop_ran.wait(2)

    thread = threading.Thread(target=holder)
    thread.start()
    assert await asyncio.to_thread(holding.wait, 2)
    acquired = asyncio.Event()

    async def second() -> None:
        async with exclusive_async(path):
            acquired.set()

    waiter = asyncio.create_task(second())
    await asyncio.sleep(0.05)  # with a blocking wait for the lock, the loop would be stuck in the waiter until the 2 s pass
    ran_while_waiting = not acquired.is_set() and thread.is_alive()
    loop_ran.set()
    await asyncio.wait_for(waiter, 5)
    thread.join()
    assert ran_while_waiting
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
