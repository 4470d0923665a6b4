"""The database stops under load: clear code 1102 fast, readiness says so, service resumes without a restart.

A real ``python -m app`` (2 granian workers) on a PostgreSQL database of our
own; the outage is ``ALLOW_CONNECTIONS false`` plus terminating its backends,
so every pooled connection dies and no new one can be opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.reliability.conftest import Api, Load, PgDatabase, RedisServer, TrellisServer, report

pytestmark = [pytest.mark.multiprocess, pytest.mark.xdist_group("reliability-processes")]

SEARCH = "/api/v1/system-manage/users/search"
#: DB_CONNECT_TIMEOUT the server runs with (conftest.server_env) plus slack for a loaded 2-core machine.
MAX_OUTAGE_LATENCY = 2.0 + 2.0


def test_database_outage_answers_1102_quickly_and_recovers_without_restart(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer]
) -> None:
    server = start_server(db_url=pg_database.url, redis_url=redis_server.url)
    admin = Api(server.base).login("Admin")
    user = Api(server.base).login("User")
    anonymous = Api(server.base)

    def mixed() -> str:
        # A permission-checked read, a forbidden read and a login: each must keep a clean code.
        codes = [
            admin.call("POST", SEARCH, {})["code"],
            user.call("POST", SEARCH, {})["code"],
            anonymous.call("POST", "/api/v1/auth/login", {"userName": "Admin", "password": "123456"})["code"],
        ]
        return "/".join(codes)

    with Load(mixed, threads=3) as load:
        time.sleep(1.5)
        before = load.snapshot()
        pg_database.block()
        time.sleep(3)
        ready = httpx.get(f"{server.base}/health/ready", timeout=10)
        during = load.snapshot() - before
        latencies_during = list(load.latencies[-20:])
        pg_database.unblock()
        unblocked_at = time.monotonic()
        recovered_after = _time_to_success(admin, unblocked_at + 20) - unblocked_at
        time.sleep(0.3)  # requests already in flight when the first success came back
        at_recovery = load.snapshot()
        time.sleep(1.5)
        after = load.snapshot() - at_recovery

    report("database outage", before=dict(before), during=dict(during), after=dict(after), recovery_s=round(recovered_after, 2))
    assert set(before) == {"0000/2201/0000"}, before
    outage_codes = {code for combo in during for code in combo.split("/")}
    assert outage_codes <= {"0000", "2201", "1102"}, during  # never 1000, never a transport error
    assert "1102" in outage_codes, during
    assert max(latencies_during) < MAX_OUTAGE_LATENCY * 3, latencies_during  # 3 calls per sample
    assert ready.status_code == 503
    body = ready.json()
    assert body["code"] == "1104" and body["data"]["database"]["ok"] is False and body["data"]["redis"]["ok"] is True
    assert set(after) == {"0000/2201/0000"}, after
    assert recovered_after < 5, recovered_after
    assert httpx.get(f"{server.base}/health/ready", timeout=10).status_code == 200
    assert admin.call("POST", SEARCH, {})["code"] == "0000"
    log = server.log_text()
    assert "Traceback" not in log and "unhandled" not in log, log[-3000:]


def _time_to_success(api: Api, deadline: float) -> float:
    while time.monotonic() < deadline:
        if api.call("POST", SEARCH, {})["code"] == "0000":
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError("service did not resume within 20 s of the database returning")
