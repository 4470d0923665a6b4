"""A server factory for the multi-process tests only: the first init to run stalls.

``granian --factory tests.system.stall_app:create_app`` serves the production
app with one extra init hook in front: the first process to reach it records
its pid in Redis (``test:stalled_pid``) and sleeps, so the test can kill that
leader mid-init. Never imported by production code.
"""

from __future__ import annotations

import asyncio
import os

from fastapi import FastAPI

from app import create_app as create_production_app

STALL_KEY = "test:stalled_pid"


def create_app() -> FastAPI:
    app = create_production_app()

    async def stall_once() -> None:
        if await app.state.redis.set(STALL_KEY, os.getpid(), nx=True):
            await asyncio.sleep(3600)

    app.state.hooks.init.insert(0, ("test: stall the first leader", stall_once))
    return app
