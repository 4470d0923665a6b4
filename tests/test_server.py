"""The launcher refuses a taken port and always stops, even when signalled right after start."""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from app.system.radar.sink import SinkClient
from app.system.radar.writer import RadarRecord
from tests.launch import ROOT, alive, descendants, free_port, server_env, start_server, wait_ready
from tests.system.radar.conftest import raw_request

pytestmark = pytest.mark.multiprocess

#: SHUTDOWN_TIMEOUT_SECONDS in server_env + the supervisor's grace + slack for a loaded machine.
STOP_BOUND = 2 + 3 + 2


def test_refuses_to_start_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = server_env(tmp_path, port)
        result = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, timeout=30, check=False)
    assert result.returncode == 2
    assert b"already in use" in result.stderr


def test_a_malformed_setting_stops_start_up_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = server_env(tmp_path, free_port(), GUARD_RATE_LIMIT="0")
    result = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, timeout=30, check=False)
    assert result.returncode == 2
    assert b"configuration refused: invalid settings: GUARD_RATE_LIMIT" in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_sigterm_soon_after_start_stops_every_process(tmp_path: Path, workers: int, delay: float) -> None:
    port = free_port()
    proc = start_server(server_env(tmp_path, port, WORKERS=workers), tmp_path / "server.log")
    time.sleep(delay)
    family = descendants(proc.pid)
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_BOUND + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"launcher still running {STOP_BOUND + 5}s after SIGTERM")
    took = time.monotonic() - began
    family += [p for p in descendants(proc.pid) if p not in family]
    time.sleep(0.2)
    assert took <= STOP_BOUND, f"stop took {took:.1f}s"
    assert not alive(family), f"left running: {[p.pid for p in alive(family)]}"


@contextmanager
def running_server(tmp_path: Path, stop_bound: float, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``python -m app`` serving on a free port; SIGTERM on exit must stop every process it started."""
    port = free_port()
    proc = start_server(server_env(tmp_path, port, **env), tmp_path / "server.log")
    try:
        wait_ready(port)
        yield proc, port
    finally:
        family = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=stop_bound) == 0
    time.sleep(0.2)
    assert not alive(family)


def test_serves_and_stops_cleanly_with_two_workers(tmp_path: Path) -> None:
    with running_server(tmp_path, STOP_BOUND + 5, WORKERS="2") as (proc, port):
        assert httpx.get(f"http://127.0.0.1:{port}/health/live").json()["code"] == "0000"
        assert len(descendants(proc.pid)) >= 3  # granian master + 2 workers


def test_workers_run_on_uvloop(tmp_path: Path) -> None:
    """What `make run` installs is what the benchmarks measure: asyncio's loop cost a worker 16 % more CPU per request."""
    # Its own embedded Valkey (no REDIS_URL), as `make run`: the other server tests share Redis DB 0 and log no one in.
    with (
        running_server(tmp_path, STOP_BOUND, RADAR_ENABLED="true", REDIS_URL="") as (_, port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        login = client.post("/api/v1/auth/login", json={"userName": "Soybean", "password": "123456"}).json()
        assert login["code"] == "0000", login
        overview = client.get("/__radar/api/monitor/overview", headers={"Authorization": f"Bearer {login['data']['token']}"}).json()
    assert overview["data"]["basic_info"]["event_loop"] == "uvloop"


def radar_stores(pid: int) -> list[psutil.Process]:
    """The live Radar store processes under the supervisor ``pid``."""
    return [p for p in alive(descendants(pid)) if "app.system.radar.sink" in " ".join(p.cmdline())]


def test_one_store_process_writes_radar_for_every_worker(tmp_path: Path) -> None:
    ids = [f"store-proc-{i:04d}" for i in range(40)]
    with running_server(tmp_path, STOP_BOUND + 10, WORKERS="2", RADAR_ENABLED="true") as (proc, port):
        stores = radar_stores(proc.pid)
        assert len(stores) == 1
        socket_path = stores[0].environ()["TRELLIS_RADAR_SINK"]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for request_id in ids:  # a captured path (not excluded) answering the 1300 envelope
                assert client.get("/api/v1/no-such-route", headers={"X-Request-ID": request_id}).json()["code"] == "1300"
    assert not Path(socket_path).exists()
    with sqlite3.connect(tmp_path / "radar.sqlite3") as db:
        stored = {row[0] for row in db.execute("SELECT x_request_id FROM radar_requests WHERE x_request_id LIKE 'store-proc-%'")}
    assert stored == set(ids)  # handed over during the run or on the workers' way out, none lost
    assert "store process unreachable" not in (tmp_path / "server.log").read_text()  # no worker wrote its own


def test_workers_starting_together_on_a_fresh_data_directory_all_start(tmp_path: Path) -> None:
    with running_server(tmp_path, STOP_BOUND + 5, WORKERS="2") as (_proc, port):
        assert httpx.get(f"http://127.0.0.1:{port}/health/live").json()["code"] == "0000"
    log = (tmp_path / "server.log").read_text()
    assert "lifespan startup failed" not in log  # each worker migrated the fresh SQLite file in turn
    assert "already exists" not in log


def test_a_radar_store_that_dies_is_reaped_and_restarted(tmp_path: Path) -> None:
    with running_server(tmp_path, STOP_BOUND + 10, RADAR_ENABLED="true") as (proc, _port):
        first = radar_stores(proc.pid)
        assert len(first) == 1
        socket_path = first[0].environ()["TRELLIS_RADAR_SINK"]
        first[0].kill()
        first[0].wait(timeout=15)  # gone only once the supervisor reaps it (no zombie left behind)

        async def hand_over() -> bool:
            client = SinkClient(socket_path)  # a fresh client: within its start grace, a refusal is retried quietly
            try:
                return await client.send([RadarRecord(raw_request(x_request_id="after-restart"))])
            finally:
                await client.close()

        deadline = time.monotonic() + 15
        while not asyncio.run(hand_over()):  # the dead store's socket file stays until the new one replaces it
            assert time.monotonic() < deadline, "no new store process took a batch within 15 s"
            time.sleep(0.1)
        assert len(radar_stores(proc.pid)) == 1
    with sqlite3.connect(tmp_path / "radar.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM radar_requests WHERE x_request_id = 'after-restart'").fetchone() == (1,)
    assert "Radar's store process exited" in (tmp_path / "server.log").read_text()
