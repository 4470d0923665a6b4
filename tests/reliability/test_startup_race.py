"""Start-up races between real servers: seeds exactly once, one consistent API catalogue, nobody waits forever.

Extends the in-process init-lock tests (tests/core, tests/system/services) with
real processes: two ``python -m app`` servers × two granian workers started at
the same instant against one fresh PostgreSQL database and one Redis,
repeated; and a server SIGKILLed (every process) while it holds the init lock,
whose successor must still come up.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis as redis_sync

from app import create_app
from app.core.init_lock import LOCK_KEY, RUNS_KEY
from app.system.api.route_table import live_routes
from tests.conftest import base_settings
from tests.reliability.conftest import Api, PgDatabase, RedisServer, TrellisServer, report

pytestmark = [pytest.mark.multiprocess, pytest.mark.xdist_group("reliability-processes")]

ROUNDS = 3
SEED_USERS = {"Soybean", "Super", "Admin", "User"}
DUPLICATES = {
    "users": "SELECT user_name FROM users GROUP BY user_name HAVING count(*) > 1",
    "roles": "SELECT role_code FROM roles GROUP BY role_code HAVING count(*) > 1",
    "menus": "SELECT route_name FROM menus GROUP BY route_name HAVING count(*) > 1",
    "apis": "SELECT api_method, api_path FROM apis GROUP BY api_method, api_path HAVING count(*) > 1",
    "role_api": "SELECT roles_id, api_id FROM role_api GROUP BY roles_id, api_id HAVING count(*) > 1",
    "role_menu": "SELECT roles_id, menu_id FROM role_menu GROUP BY roles_id, menu_id HAVING count(*) > 1",
    "user_role": "SELECT users_id, role_id FROM user_role GROUP BY users_id, role_id HAVING count(*) > 1",
}


def expected_catalogue(tmp_path: Path) -> set[str]:
    app = create_app(base_settings(DB_URL="sqlite://:memory:", REDIS_URL="redis://127.0.0.1:1/0", DATA_DIR=tmp_path / "cat"))
    return {f"{method}|{path}" for method, path in live_routes(app)}


def assert_seeded_once(database: PgDatabase, catalogue: set[str]) -> None:
    for table, sql in DUPLICATES.items():
        assert database.query(sql) == "", f"duplicate rows in {table}"
    users = set(database.query("SELECT user_name FROM users").split())
    assert users >= SEED_USERS, users
    assert set(database.query("SELECT role_code FROM roles").split()) >= {"R_SUPER", "R_ADMIN", "R_USER"}
    stored = set(database.query("SELECT api_method || '|' || api_path FROM apis").split())
    assert stored == catalogue, stored ^ catalogue


def _wait_all_workers_started(server: TrellisServer, workers: int, deadline: float) -> None:
    """Every worker finished its lifespan start-up (each logs whether it ran init or found it done)."""
    while server.log_text().count("start-up init ") < workers:
        assert time.monotonic() < deadline, f"a worker never finished start-up:\n{server.log_text()[-2000:]}"
        time.sleep(0.1)
    assert server.log_text().count("start-up init ran in this process") <= 1


def _fresh(database: PgDatabase, redis_server: RedisServer) -> None:
    database.drop()
    database.create()
    database.initdb()
    redis_server.client().flushall()


def test_two_servers_of_two_workers_start_together_repeatedly(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer], tmp_path: Path
) -> None:
    catalogue = expected_catalogue(tmp_path)
    outcomes = []
    for round_no in range(ROUNDS):
        if round_no:
            _fresh(pg_database, redis_server)
        started = time.monotonic()
        servers = [start_server(db_url=pg_database.url, redis_url=redis_server.url, wait=False) for _ in range(2)]
        for server in servers:
            server.wait_ready(timeout=60)
        for server in servers:
            _wait_all_workers_started(server, workers=2, deadline=time.monotonic() + 30)
        ready_s = time.monotonic() - started
        assert_seeded_once(pg_database, catalogue)
        for server in servers:  # every worker of both servers answers with the seeded accounts
            for _ in range(4):
                assert Api(server.base).login("Super").call("GET", "/api/v1/auth/user-info")["code"] == "0000"
        runs = int(redis_server.client().get(RUNS_KEY) or 0)
        outcomes.append({"ready_s": round(ready_s, 1), "init_runs": runs})
        assert runs in (1, 2), runs  # once per server start at most, never once per worker
        for server in servers:
            server.stop()
    report("start-up race (2 servers x 2 workers)", rounds=outcomes)


def test_a_leader_killed_mid_init_is_survived(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer], tmp_path: Path
) -> None:
    catalogue = expected_catalogue(tmp_path)
    watcher = redis_server.client()
    # INIT_LOCK_TTL_SECONDS bounds how long a dead leader's lock blocks the next server.
    doomed = start_server(db_url=pg_database.url, redis_url=redis_server.url, wait=False, INIT_LOCK_TTL_SECONDS=5)
    deadline = time.monotonic() + 60
    while not watcher.exists(LOCK_KEY):
        assert time.monotonic() < deadline, "the init lock was never taken"
        time.sleep(0.002)
    for process in doomed.processes():  # every process at once: nobody releases the lock
        with contextlib.suppress(Exception):
            process.kill()
    killed_with_lock = bool(watcher.exists(LOCK_KEY))
    started = time.monotonic()
    successor = start_server(db_url=pg_database.url, redis_url=redis_server.url, wait=False, INIT_LOCK_TTL_SECONDS=5)
    successor.wait_ready(timeout=40)
    recovery_s = time.monotonic() - started
    report("leader killed mid-init", lock_held_at_kill=killed_with_lock, successor_ready_s=round(recovery_s, 1))
    assert_seeded_once(pg_database, catalogue)
    assert Api(successor.base).login("Soybean").call("GET", "/api/v1/auth/user-info")["code"] == "0000"
    assert recovery_s < 5 + 20
    assert int(redis_sync.Redis(port=redis_server.port).get(RUNS_KEY) or 0) >= 1
