"""Start the real launcher (``python -m app``: supervisor + granian workers) for process-level tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests import services
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent


#: Redis DB of the server-process tests: 0, which no other test uses (1..12 per backend, 13..15 task tests).
SERVER_REDIS_DB = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, port: int, **overrides: Any) -> dict[str, str]:
    services.require_service("Redis", services.REDIS_HOST, services.REDIS_PORT)
    env = dict(os.environ)
    env.update(
        {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": "1",
            "DATA_DIR": str(data_dir),
            "REDIS_URL": f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{SERVER_REDIS_DB}",
            "SECRET_KEY": TEST_SECRET,
            "APP_DEBUG": "true",
            "LOG_TO_FILE": "false",
            "LOG_LEVEL": "WARNING",
            "RADAR_ENABLED": "false",
            "GUARD_ENABLED": "false",
            "SHUTDOWN_TIMEOUT_SECONDS": "2",
            "INIT_LOCK_TTL_SECONDS": "5",  # a server stopped mid-init must not hold up the next test long
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "1024",
        }
    )
    env.pop("DB_URL", None)
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server on {port} did not become ready in {timeout}s")


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
