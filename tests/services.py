"""The real services the suite talks to, and per-session isolation on each.

Under CI=true a service that cannot be reached fails the run; elsewhere the
tests that need it are skipped with the reason.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
MY_HOST, MY_PORT = "127.0.0.1", 3306
REDIS_HOST = "127.0.0.1"
#: Developers running several suites at once point each at its own redis-server.
REDIS_PORT = int(os.environ.get("TRELLIS_TEST_REDIS_PORT", "6379"))

BACKENDS = tuple(b for b in os.environ.get("TRELLIS_TEST_BACKENDS", "sqlite,postgres,mysql").split(",") if b)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SESSION_TAG = uuid.uuid4().hex[:8]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message)


def worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def redis_db_for(backend: str) -> int:
    """A Redis DB number of our own per (xdist worker, backend): 1..12."""
    slot = BACKENDS.index(backend) if backend in BACKENDS else 0
    return 1 + (worker_index() % 4) * 3 + slot


@dataclass(frozen=True)
class Backend:
    name: str
    db_url: str
    admin_url: str | None
    database: str


def database_name(backend: str) -> str:
    return f"trellis_t_{SESSION_TAG}_{worker_index()}_{backend}"


def backend_for(name: str, tmp_dir: str) -> Backend:
    db = database_name(name)
    if name == "sqlite":
        return Backend(name, f"sqlite://{tmp_dir}/{db}.sqlite3", None, db)
    if name == "postgres":
        require_service("PostgreSQL", PG_HOST, PG_PORT)
        return Backend(name, f"postgres://postgres@{PG_HOST}:{PG_PORT}/{db}", f"postgres://postgres@{PG_HOST}:{PG_PORT}/postgres", db)
    if name == "mysql":
        require_service("MariaDB", MY_HOST, MY_PORT)
        return Backend(name, f"mysql://root@{MY_HOST}:{MY_PORT}/{db}", f"mysql://root@{MY_HOST}:{MY_PORT}/mysql", db)
    raise ValueError(f"unknown backend {name}")


async def _admin_execute(backend: Backend, statements: list[str]) -> None:
    """Run server-level statements (CREATE/DROP DATABASE) on the backend's admin connection."""
    if backend.name == "postgres":
        import asyncpg

        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()
    elif backend.name == "mysql":
        import asyncmy

        my_conn = await asyncmy.connect(host=MY_HOST, port=MY_PORT, user="root", password="")
        try:
            async with my_conn.cursor() as cur:
                for statement in statements:
                    await cur.execute(statement)
        finally:
            my_conn.close()


async def create_database(backend: Backend) -> None:
    if backend.name == "postgres":
        await _admin_execute(backend, [f'DROP DATABASE IF EXISTS "{backend.database}"', f'CREATE DATABASE "{backend.database}"'])
    elif backend.name == "mysql":
        await _admin_execute(
            backend,
            [
                f"DROP DATABASE IF EXISTS `{backend.database}`",
                f"CREATE DATABASE `{backend.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            ],
        )


async def drop_database(backend: Backend) -> None:
    if backend.name == "postgres":
        await _admin_execute(backend, [f'DROP DATABASE IF EXISTS "{backend.database}" WITH (FORCE)'])
    elif backend.name == "mysql":
        await _admin_execute(backend, [f"DROP DATABASE IF EXISTS `{backend.database}`"])
