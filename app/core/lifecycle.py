"""Start-up and shutdown hooks, filled by the composition root.

``init`` hooks are the deployment's one-time initialisation (seeds, API
reconciliation, business init, cache rebuild): exactly one process runs them
per deployment start (see ``app.core.init_lock``). ``worker_start`` hooks run
in every worker after init (cache warm-up, Radar, periodic tasks);
``shutdown`` hooks run in reverse order on the way out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from loguru import logger

Hook = Callable[[], Awaitable[None]]


@dataclass
class AppHooks:
    init: list[tuple[str, Hook]] = field(default_factory=list)
    worker_start: list[tuple[str, Hook]] = field(default_factory=list)
    shutdown: list[tuple[str, Hook]] = field(default_factory=list)

    def on_init(self, name: str, hook: Hook) -> None:
        self.init.append((name, hook))

    def on_worker_start(self, name: str, hook: Hook) -> None:
        self.worker_start.append((name, hook))

    def on_shutdown(self, name: str, hook: Hook) -> None:
        self.shutdown.append((name, hook))

    async def run_init(self) -> None:
        for name, hook in self.init:
            logger.info("init: {}", name)
            await hook()

    async def run_worker_start(self) -> None:
        for name, hook in self.worker_start:
            logger.debug("worker start: {}", name)
            await hook()

    async def run_shutdown(self) -> None:
        for name, hook in reversed(self.shutdown):
            try:
                await hook()
            except Exception:  # noqa: BLE001 - shutdown must always finish
                logger.exception("shutdown hook {} failed", name)
