"""Real processes for the reliability suite: granian servers, private Redis, a private PostgreSQL database.

Everything here is started by the test and torn down in ``finally`` — the
machine's shared PostgreSQL server and Redis are only *used* (a database of
our own is created and dropped on the shared PostgreSQL; Redis is always a
private ``redis-server`` on a free port). Every wait has a deadline.

* ``RedisServer`` — ``start()`` / ``stop()`` / ``restart()`` on a fixed free port.
* ``PgDatabase`` — ``create()`` / ``drop()``; ``block()`` terminates its
  backends and refuses new connections (``ALLOW_CONNECTIONS false``),
  ``unblock()`` lets them in again.
* ``TrellisServer`` — ``python -m app`` (the supervisor + granian workers)
  with its stdout/stderr captured to a file for the secret scans.
* ``Load`` — threads hammering a request function for a bounded time, counting
  the envelope codes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import redis as redis_sync

from app.server import terminate
from tests import services
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
PSQL = ["psql", "-h", services.PG_HOST, "-p", str(services.PG_PORT), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA"]
PASSWORD = "123456"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- Redis -----------------------------------------------------------------------------
class RedisServer:
    """A private ``redis-server`` (no persistence: a restart comes back empty)."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis_sync.Redis:
        return redis_sync.Redis(host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=2)

    def start(self) -> None:
        args = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis_sync.RedisError):
                if self.client().ping():
                    return
            time.sleep(0.05)
        raise RuntimeError(f"private redis-server on {self.port} did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # a paused server could not die
            self.proc.kill()  # an abrupt outage, not a graceful shutdown
            self.proc.wait(timeout=10)
            self.proc = None

    def pause(self) -> None:
        """A network partition: the process stops answering but keeps its (now stale) data."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- PostgreSQL ------------------------------------------------------------------------
def psql(sql: str, database: str = "postgres", timeout: float = 20) -> str:
    done = subprocess.run([*PSQL, "-d", database, "-c", sql], capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


class PgDatabase:
    """A database of our own on the shared PostgreSQL server."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.name = f"trellis_rel_{services.SESSION_TAG}_{services.worker_index()}_{uuid.uuid4().hex[:6]}"

    @property
    def url(self) -> str:
        return f"postgres://postgres@{services.PG_HOST}:{services.PG_PORT}/{self.name}"

    def create(self) -> None:
        psql(f'CREATE DATABASE "{self.name}"')

    def initdb(self) -> None:
        """Create the Trellis tables (``python -m app.cli initdb``), as an operator would."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "REDIS_", "APP_"))}
        env.update(
            DB_URL=self.url,
            SECRET_KEY=TEST_SECRET,
            LOG_TO_FILE="false",
            APP_DEBUG="true",
            DATA_DIR=str(self.workdir / "initdb"),
            RADAR_ENABLED="false",
        )
        (self.workdir / "initdb").mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "initdb", "-y"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")

    def drop(self) -> None:
        psql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def block(self) -> None:
        """The database becomes unreachable: new connections refused, open ones cut."""
        psql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        psql(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{self.name}'")

    def unblock(self) -> None:
        psql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def query(self, sql: str) -> str:
        return psql(sql, database=self.name)


@pytest.fixture
def pg_database(tmp_path: Path) -> Iterator[PgDatabase]:
    services.require_service("PostgreSQL", services.PG_HOST, services.PG_PORT)
    database = PgDatabase(tmp_path)
    database.create()
    try:
        database.initdb()
        yield database
    finally:
        database.drop()


# ---- Trellis servers -------------------------------------------------------------------
def server_env(*, db_url: str, redis_url: str, data_dir: Path, port: int, workers: int = 2, **extra: Any) -> dict[str, str]:
    """The environment of one ``python -m app``: our services, fast hashing, no files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "REDIS_", "APP_", "PYTEST", "TRELLIS_", "GUARD_", "RADAR_"))}
    env.update(
        PORT=str(port),
        HOST="127.0.0.1",
        WORKERS=str(workers),
        DB_URL=db_url,
        REDIS_URL=redis_url,
        SECRET_KEY=TEST_SECRET,
        DATA_DIR=str(data_dir),
        LOG_TO_FILE="false",
        LOG_LEVEL="INFO",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        GUARD_ENABLED="false",
        RADAR_ENABLED="false",
        APP_DEBUG="false",
        SHUTDOWN_TIMEOUT_SECONDS="3",
        INIT_WAIT_SECONDS="40",
        DB_CONNECT_TIMEOUT="2",
        REDIS_SOCKET_TIMEOUT="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class TrellisServer:
    """``python -m app`` in its own session; output captured in ``log_path``."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self) -> TrellisServer:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app"], cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Until ``/health/ready`` answers 200 (lifespan done in at least one worker)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/health/ready", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"server on {self.port} not ready in {timeout} s:\n{self.log_text()[-3000:]}")

    def processes(self) -> list[psutil.Process]:
        if self.proc is None:
            return []
        with contextlib.suppress(psutil.Error):
            return [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        return []

    def worker_pids(self) -> list[int]:
        """Granian workers: the processes that hold the listening socket's children (deepest level)."""
        procs = self.processes()
        pids = {p.pid for p in procs}
        parents: set[int] = set()
        for p in procs:
            with contextlib.suppress(psutil.Error):
                if p.ppid() in pids:
                    parents.add(p.ppid())
        return sorted(p.pid for p in procs if p.pid not in parents and p.pid != (self.proc.pid if self.proc else 0))

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the supervisor; anything still alive after ``timeout`` is SIGKILLed."""
        if self.proc is None:
            return
        family = self.processes()
        terminate(self.proc, timeout)
        for p in [*family, *self.processes()]:
            with contextlib.suppress(psutil.Error):
                p.kill()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., TrellisServer]]:
    """``start_server(db_url=..., redis_url=..., workers=2, wait=True, **env)`` -> a running server (stopped at teardown)."""
    started: list[TrellisServer] = []

    def start(*, db_url: str, redis_url: str, workers: int = 2, wait: bool = True, **extra: Any) -> TrellisServer:
        port = free_port()
        env = server_env(db_url=db_url, redis_url=redis_url, data_dir=tmp_path / f"data-{port}", port=port, workers=workers, **extra)
        server = TrellisServer(env, tmp_path / f"server-{port}.log")
        started.append(server)
        server.start()
        if wait:
            server.wait_ready()
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


# ---- clients and load ------------------------------------------------------------------
class Api:
    """A small synchronous client speaking the envelope."""

    def __init__(self, base: str, token: str = "", timeout: float = 15) -> None:
        self.base = base
        self.token = token
        self.http = httpx.Client(base_url=base, timeout=timeout)

    def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", {}))
        response = self.http.request(method, path, json=json, headers=headers, **kwargs)
        body: dict[str, Any] = response.json()
        return body

    def ok(self, method: str, path: str, json: Any = None) -> Any:
        body = self.call(method, path, json)
        assert body["code"] == "0000", (method, path, body)
        return body["data"]

    def login(self, user: str, password: str = PASSWORD) -> Api:
        token = self.ok("POST", "/api/v1/auth/login", {"userName": user, "password": password})["token"]
        return Api(self.base, token)

    def close(self) -> None:
        self.http.close()


class Load:
    """``threads`` threads call ``fn()`` (returning a code string) until stopped; codes are counted."""

    def __init__(self, fn: Callable[[], str], threads: int = 4) -> None:
        self.fn = fn
        self.codes: Counter[str] = Counter()
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                code = self.fn()
            except httpx.HTTPError as exc:
                code = f"transport:{type(exc).__name__}"
            with self._lock:
                self.codes[code] += 1
                self.latencies.append(time.monotonic() - started)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.codes)


def report(name: str, **numbers: Any) -> None:
    """Print a measured outcome (``-s`` shows it; docs/reliability.md quotes these lines)."""
    print(f"\n[reliability] {name}: " + ", ".join(f"{k}={v}" for k, v in numbers.items()))


MANAGE = "/api/v1/system-manage"


def menu_id(admin: Api, route_name: str) -> str:
    return str(next(m["id"] for m in admin.ok("POST", f"{MANAGE}/menus/search", {"size": 1000})["records"] if m["routeName"] == route_name))


def api_id(admin: Api, method: str, path: str) -> str:
    page = admin.ok("POST", f"{MANAGE}/apis/search", {"apiPath": path, "apiMethod": method, "size": 100})
    return str(next(row["id"] for row in page["records"] if row["apiPath"] == path and row["apiMethod"] == method))


def user_id(admin: Api, user_name: str) -> str:
    return str(
        next(u["id"] for u in admin.ok("POST", f"{MANAGE}/users/search", {"userName": user_name})["records"] if u["userName"] == user_name)
    )


# ---- in-process fixtures (the shared ``app``/``client`` fixtures, on every backend) ------
@pytest.fixture
async def seeded(app: Any) -> None:
    """The seed accounts (Soybean/Super R_SUPER, Admin R_ADMIN, User R_USER; password 123456)."""
    from tests.system.conftest import ensure_fixture_rbac

    await ensure_fixture_rbac()


@pytest.fixture
async def tokens(client: httpx.AsyncClient, seeded: None) -> dict[str, str]:
    """Access tokens of Super, Admin and User."""
    from tests.system.conftest import do_login

    return {name: await do_login(client, name) for name in ("Super", "Admin", "User")}
