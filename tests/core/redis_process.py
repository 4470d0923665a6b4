"""A private redis-compatible server process for tests that stop, restart or meter Redis."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis as redis_sync
from tortoise import connections

from app.core.redis import valkey_binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisProcess:
    """``start()`` / ``stop()`` a server on a free port (no persistence: a restart comes back empty)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self._meter: redis_sync.Redis | None = None  # one connection, so its handshake is not metered

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis_sync.Redis:
        return redis_sync.Redis(host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=2)

    def start(self) -> None:
        args = [str(valkey_binary()), "--port", str(self.port), "--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis_sync.RedisError:
                time.sleep(0.05)
        raise RuntimeError("test redis did not start")

    def stop(self) -> None:
        self._meter = None
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def command_calls(self) -> int:
        """Commands the server has executed so far (INFO itself excluded)."""
        if self._meter is None:
            self._meter = self.client()
            self._meter.ping()
        stats = self._meter.info("commandstats")
        return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


class QueryCounter:
    """Counts statements sent on a Tortoise connection (wraps its execute methods)."""

    METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")

    def __init__(self, connection_name: str = "conn_system") -> None:
        self.count = 0
        self.conn = connections.get(connection_name)
        self._originals = {name: getattr(self.conn, name) for name in self.METHODS}
        for name, original in self._originals.items():
            setattr(self.conn, name, self._wrap(original))

    def _wrap(self, original):  # type: ignore[no-untyped-def]
        async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return await original(*args, **kwargs)

        return counted

    def close(self) -> None:
        for name, original in self._originals.items():
            setattr(self.conn, name, original)
