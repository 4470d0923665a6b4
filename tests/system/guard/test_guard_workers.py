"""Limits and bans hold across two real granian workers sharing one Redis."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from tests import services
from tests.launch import SERVER_REDIS_DB, descendants, free_port, server_env, start_server, wait_ready

pytestmark = pytest.mark.multiprocess


def test_limit_and_ban_hold_across_two_workers(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(
        tmp_path,
        port,
        WORKERS=2,
        GUARD_ENABLED="true",
        GUARD_RATE_LIMIT=10,
        GUARD_RATE_LIMIT_WINDOW=60,
        GUARD_AUTO_BAN_THRESHOLD=5,
        GUARD_AUTO_BAN_DURATION=3,
        GUARD_KEY_PREFIX=f"gw{port}:",
    )
    proc = start_server(env, tmp_path / "server.log")
    try:
        wait_ready(port)
        assert len(descendants(proc.pid)) >= 3  # granian master + 2 workers
        codes = []
        for _ in range(20):
            # A fresh connection per request, so the kernel spreads them over both workers.
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
                codes.append(http.get("/api/v1/guard-probe").json()["code"])
        assert codes[:10] == ["1300"] * 10  # passed the guard, then "route not found"
        assert codes[10:14] == ["2500"] * 4
        assert set(codes[14:]) == {"2501"}  # the 5th violation banned the client
        time.sleep(3.3)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            assert http.get("/api/v1/guard-probe").json()["code"] == "2500"  # ban over; the 60 s window is not
        client = redis_sync.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=SERVER_REDIS_DB, decode_responses=True)
        # 15 counted before the ban (banned requests are not counted) + 1 after it.
        assert client.get(f"gw{port}:guard:{{127.0.0.1}}:rate") == "16"
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
