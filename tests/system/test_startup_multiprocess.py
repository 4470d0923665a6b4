"""Start-up init across real server processes sharing one PostgreSQL and one Redis.

Two granian servers with two workers each start at once: init runs exactly
once, no seed row is duplicated, both serve. A restart runs init once more.
A leader killed mid-init does not strand its followers: one of them takes
over once the lock's TTL has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from app.core.init_lock import RUNS_KEY
from tests import services
from tests.conftest import TEST_SECRET, base_settings
from tests.system.stall_app import STALL_KEY

pytestmark = [pytest.mark.multiprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
LOCK_TTL = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this module's own (the URL)."""
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not services.reachable("127.0.0.1", port):
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.skip("redis-server could not be started")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database with the Trellis tables (migrations come later: generate_schemas)."""
    services.require_service("PostgreSQL", services.PG_HOST, services.PG_PORT)
    backend = services.Backend("postgres", "", None, f"trellis_mp_{uuid.uuid4().hex[:10]}")
    url = f"postgres://postgres@{services.PG_HOST}:{services.PG_PORT}/{backend.database}"
    asyncio.run(services.create_database(backend))
    try:
        asyncio.run(create_tables(url))
        yield url
    finally:
        asyncio.run(services.drop_database(backend))


async def create_tables(db_url: str) -> None:
    from tortoise import Tortoise

    from app import create_app

    app = create_app(base_settings(DB_URL=db_url, REDIS_URL="redis://127.0.0.1:1/0"))
    await Tortoise.init(config=app.state.tortoise_config)
    try:
        await Tortoise.generate_schemas(safe=True)
    finally:
        await Tortoise.close_connections()


def server_env(db_url: str, redis_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRELLIS_BOOT", "PYTEST_"))}
    env.update(
        DB_URL=db_url,
        REDIS_URL=redis_url,
        SECRET_KEY=TEST_SECRET,
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="2",
        LOG_TO_FILE="false",
        LOG_LEVEL="INFO",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        GUARD_ENABLED="false",
        RADAR_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Server:
    """One server process (its master, and through it its workers)."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self._handle = log.open("wb")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._handle, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_live(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server on {self.port} exited: {self.output()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/health/live", timeout=1).json()["code"] == "0000":
                    return
            time.sleep(0.2)
        raise AssertionError(f"server on {self.port} not live after {timeout}s: {self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM the whole process group, then SIGKILL whatever is left."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self._handle.close()


def launch(db_url: str, redis_url: str, log: Path) -> Server:
    port = free_port()
    return Server([sys.executable, "-m", "app"], server_env(db_url, redis_url, port), port, log)


def seed_counts(db_url: str) -> dict[str, int]:
    import asyncpg

    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://"))
        try:
            out: dict[str, int] = {}
            for table in ("users", "roles", "menus", "apis", "user_role", "role_menu", "role_api"):
                out[table] = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
            out["distinct_apis"] = await conn.fetchval("SELECT count(*) FROM (SELECT DISTINCT api_method, api_path FROM apis) t")
            return out
        finally:
            await conn.close()

    return asyncio.run(count())


def init_runs(redis_url: str) -> int:
    client = redis_sync.Redis.from_url(redis_url, decode_responses=True)
    try:
        return int(client.get(RUNS_KEY) or 0)
    finally:
        client.close()


def start_pair(db_url: str, redis_url: str, logs: Path, tag: str) -> list[Server]:
    servers = [launch(db_url, redis_url, logs / f"{tag}-{i}.log") for i in range(2)]
    try:
        for server in servers:
            server.wait_live()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def test_two_servers_with_two_workers_each_init_once_per_start(postgres_url: str, redis_server: str, tmp_path: Path) -> None:
    servers = start_pair(postgres_url, redis_server, tmp_path, "first")
    try:
        assert init_runs(redis_server) == 1
        first = seed_counts(postgres_url)
        assert (first["users"], first["roles"], first["menus"]) == (4, 3, 19)
        assert first["apis"] == first["distinct_apis"] > 31
        for server in servers:
            assert httpx.get(f"http://127.0.0.1:{server.port}/health/live", timeout=5).json()["data"] == {"status": "ok"}
        ran = sum(server.output().count("start-up init ran in this process") for server in servers)
        assert ran == 1, [server.output()[-2000:] for server in servers]
    finally:
        for server in servers:
            server.stop()

    servers = start_pair(postgres_url, redis_server, tmp_path, "restart")
    try:
        assert init_runs(redis_server) == 2
        assert seed_counts(postgres_url) == first
    finally:
        for server in servers:
            server.stop()


def test_a_leader_killed_mid_init_is_replaced_after_the_lock_ttl(postgres_url: str, redis_server: str, tmp_path: Path) -> None:
    client = redis_sync.Redis.from_url(redis_server, decode_responses=True)
    client.flushdb()
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--workers", "2", "--respawn-failed-workers"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "tests.system.stall_app:create_app"]
    env = server_env(postgres_url, redis_server, port, INIT_LOCK_TTL_SECONDS=str(LOCK_TTL), INIT_WAIT_SECONDS="60")
    server = Server(argv, env, port, tmp_path / "stall.log")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while (stalled := client.get(STALL_KEY)) is None:
            assert time.monotonic() < deadline, server.output()[-3000:]
            assert server.proc.poll() is None, server.output()[-3000:]
            time.sleep(0.1)
        os.kill(int(stalled), signal.SIGKILL)
        killed_at = time.monotonic()
        server.wait_live(timeout=LOCK_TTL + 30)
        deadline = time.monotonic() + 30
        while init_runs(redis_server) < 1:
            assert time.monotonic() < deadline, server.output()[-3000:]
            time.sleep(0.2)
        assert time.monotonic() - killed_at < LOCK_TTL + 30
        assert init_runs(redis_server) == 1
        counts = seed_counts(postgres_url)
        assert (counts["users"], counts["roles"], counts["menus"]) == (4, 3, 19)
    finally:
        server.stop()
        client.close()
