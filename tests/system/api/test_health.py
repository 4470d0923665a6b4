"""Readiness reports each dependency and follows real outages of Redis and the database."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import httpx
import pytest
import redis as redis_sync
from fastapi import FastAPI

from tests import services
from tests.conftest import reset_database
from tests.launch import free_port


def start_redis(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(redis_sync.RedisError):
            if redis_sync.Redis(port=port, socket_timeout=0.5).ping():
                return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("redis-server did not start")


def stop_redis(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    port = free_port()
    procs = [start_redis(port)]
    yield port, procs
    for proc in procs:
        if proc.poll() is None:
            stop_redis(proc)


async def ready(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.get("/health/ready")


@contextlib.asynccontextmanager
async def started(app: FastAPI, backend: services.Backend) -> AsyncIterator[FastAPI]:
    await reset_database(app, backend.name)
    async with app.router.lifespan_context(app):
        yield app


async def test_ready_reports_each_dependency(app: FastAPI) -> None:
    resp = await ready(app)
    body = resp.json()
    assert resp.status_code == 200 and body["code"] == "0000"
    assert body["data"]["status"] == "ok"
    assert body["data"]["database"]["connections"]["conn_system"]["ok"] is True
    assert body["data"]["redis"]["ok"] is True
    assert body["data"]["initErrors"] == {}


async def test_redis_outage_turns_ready_unhealthy_and_back(
    app_factory: Callable[..., FastAPI], backend: services.Backend, own_redis: tuple[int, list[subprocess.Popen[bytes]]]
) -> None:
    port, procs = own_redis
    async with started(app_factory(REDIS_URL=f"redis://127.0.0.1:{port}/0", REDIS_SOCKET_TIMEOUT=0.5), backend) as app:
        assert (await ready(app)).json()["code"] == "0000"
        stop_redis(procs[0])
        down = await ready(app)
        assert down.status_code == 503
        assert down.json()["code"] == "1104"
        assert down.json()["data"]["redis"]["ok"] is False
        assert down.json()["data"]["database"]["ok"] is True
        procs.append(start_redis(port))
        for _ in range(20):  # the client reconnects on its next command
            if (await ready(app)).json()["code"] == "0000":
                break
            await asyncio.sleep(0.1)
        assert (await ready(app)).json()["data"]["redis"]["ok"] is True


async def test_database_outage_turns_ready_unhealthy_and_back(app: FastAPI, backend: services.Backend) -> None:
    if backend.name != "postgres":
        pytest.skip("the outage is made by closing a PostgreSQL database to connections")
    admin = await asyncpg.connect(host=services.PG_HOST, port=services.PG_PORT, user="postgres", database="postgres")
    try:
        await admin.execute(f'ALTER DATABASE "{backend.database}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", backend.database)
        down = await ready(app)
        assert down.status_code == 503 and down.json()["code"] == "1104"
        assert down.json()["data"]["database"]["ok"] is False
        assert down.json()["data"]["redis"]["ok"] is True
    finally:
        await admin.execute(f'ALTER DATABASE "{backend.database}" ALLOW_CONNECTIONS true')
        await admin.close()
    for _ in range(30):
        if (await ready(app)).json()["code"] == "0000":
            break
        await asyncio.sleep(0.2)
    assert (await ready(app)).json()["data"]["database"]["ok"] is True
