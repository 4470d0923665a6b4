"""Passwords hash off the event loop; tokens accept HS256 only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from fastapi import FastAPI

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


async def test_a_login_storm_does_not_stall_other_requests(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    application = app_factory(ARGON2_TIME_COST=4, ARGON2_MEMORY_COST=65536)
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        await ensure_fixture_rbac()
        await create_user("stormy")
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            started = time.perf_counter()
            await client.post("/api/v1/auth/login", json={"userName": "stormy", "password": "123456"})
            one_login = time.perf_counter() - started

            async def probe() -> float:
                # Includes the wait for the loop: a hash on the loop would show up here.
                begin = time.perf_counter()
                await asyncio.sleep(0.005)
                await client.get("/health")
                return time.perf_counter() - begin - 0.005

            storm = [
                asyncio.create_task(client.post("/api/v1/auth/login", json={"userName": "stormy", "password": "123456"})) for _ in range(8)
            ]
            await asyncio.sleep(0)
            latencies = []
            while not all(t.done() for t in storm):
                latencies.append(await probe())
            results = [t.result().json()["code"] for t in storm]
    assert results == ["0000"] * 8
    assert one_login > 0.02, f"hash too cheap to measure ({one_login:.3f}s)"
    assert len(latencies) >= 3
    assert max(latencies) < one_login / 2, (max(latencies), one_login)
