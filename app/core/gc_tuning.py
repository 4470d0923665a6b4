"""Garbage-collector settings for a serving process.

With CPython's default thresholds (700, 10, 10) a worker under load ran a
full collection about twice a second, and each pass walked every object
start-up had left behind (FastAPI's routes and dependants, Tortoise's models,
pydantic's schemas: ~110,000 objects, 50-90 ms a pass). That was a tenth of a
worker's CPU and every p99 above 60 ms (docs/performance.md). Requests free
nearly everything they allocate by reference counting, so two changes remove
the cost without leaving garbage behind:

- ``gc.freeze()`` once the process has started: what start-up built is moved
  out of every later collection (it lives as long as the process anyway);
- a larger first threshold: objects still in flight when a collection runs
  no longer get promoted into the older generations a request at a time.

``restore`` undoes both, so a process that starts and stops several apps
(tests, embedding) does not keep frozen objects alive forever.
"""

from __future__ import annotations

import gc

_holders = 0
_original: tuple[int, int, int] | None = None


def settle_heap(gen0_threshold: int) -> bool:
    """Freeze what start-up allocated and raise the first threshold; ``0`` leaves the collector alone.

    Returns whether it did, to be handed to ``restore``. Several apps in one
    process share the collector: the last ``restore`` puts the defaults back.
    """
    global _holders, _original
    if gen0_threshold <= 0:
        return False
    current = gc.get_threshold()
    if _holders == 0:
        _original = current
    _holders += 1
    gc.collect()
    gc.freeze()
    gc.set_threshold(max(gen0_threshold, current[0]), current[1], current[2])
    return True


def restore(settled: bool) -> None:
    """Undo ``settle_heap`` once the last app that settled stops: thresholds back, frozen objects collectable."""
    global _holders, _original
    if not settled or _holders == 0:
        return
    _holders -= 1
    if _holders == 0:
        if _original is not None:
            gc.set_threshold(*_original)
        _original = None
        gc.unfreeze()


__all__ = ["restore", "settle_heap"]
