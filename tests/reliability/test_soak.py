"""Soak scenarios (``make soak``): the fault scenarios repeated back to back under continuous load.

Each stays bounded (about 30 s of load); together they take about two minutes.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import time
from collections.abc import Callable

import pytest

from tests.reliability.conftest import MANAGE, Api, Load, PgDatabase, RedisServer, TrellisServer, report

pytestmark = [pytest.mark.soak, pytest.mark.multiprocess, pytest.mark.xdist_group("reliability-processes")]

SEARCH = f"{MANAGE}/users/search"
CYCLES = 5


def _mixed(server: TrellisServer) -> Callable[[], str]:
    admin, user, anonymous = Api(server.base).login("Admin"), Api(server.base).login("User"), Api(server.base)

    def call() -> str:
        return "/".join(
            [
                admin.call("POST", SEARCH, {})["code"],
                user.call("POST", SEARCH, {})["code"],
                anonymous.call("POST", "/api/v1/auth/login", {"userName": "Admin", "password": "123456"})["code"],
            ]
        )

    return call


def test_redis_flapping_under_load(pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer]) -> None:
    server = start_server(db_url=pg_database.url, redis_url=redis_server.url)
    with Load(_mixed(server), threads=3) as load:
        for i in range(CYCLES):
            time.sleep(2)
            redis_server.stop() if i % 2 else redis_server.pause()
            time.sleep(2)
            redis_server.start() if i % 2 else redis_server.resume()
        time.sleep(3)
    report("soak: redis flapping", cycles=CYCLES, codes=dict(load.codes))
    assert set(load.codes) == {"0000/2201/0000"}, load.codes


def test_database_flapping_under_load(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer]
) -> None:
    server = start_server(db_url=pg_database.url, redis_url=redis_server.url)
    with Load(_mixed(server), threads=3) as load:
        for _ in range(CYCLES):
            time.sleep(2)
            pg_database.block()
            time.sleep(2)
            pg_database.unblock()
        time.sleep(3)
        tail = load.snapshot()
        time.sleep(2)
        last = load.snapshot() - tail
    report("soak: database flapping", cycles=CYCLES, codes=dict(load.codes))
    assert {c for combo in load.codes for c in combo.split("/")} <= {"0000", "2201", "1102"}, load.codes
    assert set(last) == {"0000/2201/0000"}, last


def test_repeated_worker_kills_under_writes(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer]
) -> None:
    server = start_server(db_url=pg_database.url, redis_url=redis_server.url)
    root = Api(server.base).login("Soybean")
    names = (f"s{i}" for i in itertools.count())

    def create() -> str:
        body = root.call(
            "POST", f"{MANAGE}/users", {"userName": next(names), "password": "Soak-pass-1", "byUserRoleCodeList": ["R_USER", "R_ADMIN"]}
        )
        return str(body["code"])

    kills = 0
    rng = random.Random(7)
    with Load(create, threads=4) as load:
        for _ in range(4):
            time.sleep(6.5)  # granian exits on a worker crash loop (same worker dead again within 5.5 s): see test_worker_kill
            workers = server.worker_pids()
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills += 1
        time.sleep(4)
    orphans = pg_database.query(
        "SELECT count(*) FROM users u WHERE u.user_name LIKE 's%' AND (SELECT count(*) FROM user_role r WHERE r.users_id = u.id) <> 2"
    )
    transport = sum(n for k, n in load.codes.items() if k.startswith("transport:"))
    report("soak: worker kills", kills=kills, codes=dict(load.codes), orphans=orphans)
    assert set(load.codes) - {"0000"} <= {k for k in load.codes if k.startswith("transport:")}, load.codes
    assert transport <= kills * 12
    assert orphans == "0"
    assert Api(server.base).login("Admin").call("POST", SEARCH, {})["code"] == "0000"
