"""Passwords hash off the event loop; tokens accept HS256 only."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from typing import Literal

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI

from app.core import security
from app.core.config import Settings
from app.core.security import hash_password, verify_password
from tests import services
from tests.conftest import reset_database
from tests.system.conftest import create_user, ensure_fixture_rbac


async def test_unknown_user_costs_one_verification_like_a_known_one(app: FastAPI) -> None:
    hashed = await hash_password("secret")
    assert await verify_password("secret", hashed) is True
    assert await verify_password("nope", hashed) is False
    assert await verify_password("secret", None) is False
    assert await verify_password("secret", "not-a-hash") is False


class ThreadRecordingHasher(PasswordHasher):
    """The configured Argon2 hasher, noting which thread each hash and verification ran on."""

    def __init__(self, like: PasswordHasher) -> None:
        super().__init__(like.time_cost, like.memory_cost, like.parallelism, like.hash_len, like.salt_len)
        self.threads: set[int] = set()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.threads.add(threading.get_ident())
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.threads.add(threading.get_ident())
        return super().verify(hash, password)


async def test_a_login_storm_hashes_off_the_loop_and_other_requests_keep_flowing(
    app_factory: Callable[..., FastAPI], backend: services.Backend
) -> None:
    application = app_factory(ARGON2_TIME_COST=4, ARGON2_MEMORY_COST=65536)
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        await ensure_fixture_rbac()
        await create_user("stormy")
        state = security._current()
        recording = ThreadRecordingHasher(state.hasher)
        state.hasher = recording
        loop_thread = threading.get_ident()
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            storm = [
                asyncio.create_task(client.post("/api/v1/auth/login", json={"userName": "stormy", "password": "123456"})) for _ in range(8)
            ]
            await asyncio.sleep(0)
            answered_meanwhile = 0
            while not all(t.done() for t in storm):
                assert (await client.get("/health")).status_code == 200
                answered_meanwhile += 1
                await asyncio.sleep(0.005)
            results = [t.result().json()["code"] for t in storm]
    assert results == ["0000"] * 8
    assert recording.threads and loop_thread not in recording.threads, "Argon2 ran on the event loop"
    assert answered_meanwhile >= 3, "the loop answered nothing while the logins hashed"


async def test_hashing_threads_run_at_the_lowest_cpu_priority(app: FastAPI) -> None:
    """A login storm may only take the CPU that serving requests leaves idle (Linux: per-thread nice)."""
    state = security._current()
    niceness: list[int] = []
    loop = asyncio.get_running_loop()

    def nice_of_this_thread() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    await hash_password("warm the pool")
    niceness.append(await loop.run_in_executor(security._pool(state), nice_of_this_thread))
    assert niceness == [security.HASH_THREAD_NICE]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < security.HASH_THREAD_NICE, "the event loop keeps its priority"


def test_reconfiguring_keeps_one_pool_of_the_configured_size(settings: Settings) -> None:
    security.configure_security(settings)
    first = security._pool(security._current())
    security.configure_security(settings)
    assert security._pool(security._current()) is first
    security.configure_security(settings.model_copy(update={"PASSWORD_HASH_THREADS": 2}))
    second = security._pool(security._current())
    assert second is not first and second._max_workers == 2
