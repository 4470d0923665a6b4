"""Start and stop a Trellis (or bare FastAPI) server for a benchmark run."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import psutil

ROOT = Path(__file__).resolve().parent.parent


#: Limits no load reaches: the rate limiter stays on and does its work, but never answers 2500.
UNLIMITED_GUARD = {
    "GUARD_RATE_LIMIT": "1000000000",
    "GUARD_LOGIN_RATE_LIMIT": "1000000000",
    "GUARD_AUTH_RATE_LIMIT": "1000000000",
    "GUARD_AUTO_BAN_THRESHOLD": "1000000000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0) -> float:
    """Seconds until ``url`` answers 200; raises on timeout."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"server at {url} did not answer within {timeout}s")


#: Below this share of one core over the sampling window, the workers count as idle.
IDLE_CPU_SHARE = 0.05


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of ``processes``, skipping any that exited."""
    total = 0.0
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = p.cpu_times()
            total += times.user + times.system
    return total


def _is_radar_store(process: psutil.Process) -> bool:
    try:
        return "app.system.radar.sink" in " ".join(process.cmdline())
    except psutil.Error:
        return False


class CpuSplit(NamedTuple):
    """CPU seconds of a server's parts.

    Its workers' event loops and their other threads (granian's), Radar's
    store process, its whole process tree (all of these and the supervisor),
    and its embedded Valkey, which is not in the tree.
    """

    loops: float
    worker_threads: float
    radar_store: float
    tree: float
    valkey: float

    def since(self, before: CpuSplit) -> CpuSplit:
        return CpuSplit(*(now - then for now, then in zip(self, before, strict=True)))


@dataclass
class Server:
    """A running server process tree."""

    proc: subprocess.Popen[bytes]
    port: int
    started_in: float
    log_path: Path
    data_dir: Path | None = None
    _cpu_mark: float = field(default=0.0)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def workers(self, tree: list[psutil.Process] | None = None) -> list[psutil.Process]:
        """The leaves of the tree (granian workers), not the supervisor, granian's master, Valkey or Radar's store."""
        tree = [p for p in (self.tree() if tree is None else tree) if "valkey" not in p.name() and not _is_radar_store(p)]
        parents = set()
        for p in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                parents.add(p.ppid())
        return [p for p in tree if p.pid not in parents and p.pid != self.proc.pid]

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.tree())

    def valkey(self) -> list[psutil.Process]:
        """The embedded Valkey this server started: it daemonises, so it is not in the tree."""
        pid_file = self.data_dir / "valkey.pid" if self.data_dir else None
        try:
            return [psutil.Process(int(pid_file.read_text()))] if pid_file else []
        except (OSError, ValueError, psutil.NoSuchProcess):
            return []

    def cpu_split(self) -> CpuSplit:
        """CPU seconds so far of each part of the server (one walk of the tree)."""
        tree = self.tree()
        loops = workers = 0.0
        for worker in self.workers(tree):
            with contextlib.suppress(psutil.NoSuchProcess):
                loops += sum(t.user_time + t.system_time for t in worker.threads() if t.id == worker.pid)
                workers += _cpu_seconds([worker])
        store = _cpu_seconds([p for p in tree if _is_radar_store(p)])
        return CpuSplit(loops, workers - loops, store, _cpu_seconds(tree), _cpu_seconds(self.valkey()))

    def rss_mb(self, *, radar_store: bool = False) -> list[float]:
        """RSS of each worker (or, with ``radar_store``, of Radar's store process)."""
        out = []
        for p in [p for p in self.tree() if _is_radar_store(p)] if radar_store else self.workers():
            with contextlib.suppress(psutil.NoSuchProcess):
                out.append(round(p.memory_info().rss / 1_048_576, 1))
        return out

    def wait_workers_idle(self, count: int, timeout: float = 60.0, window: float = 0.3) -> None:
        """Block until ``count`` workers run and none used CPU for ``window`` seconds.

        The first answer comes from whichever worker finished starting first;
        wrk's connections are kept alive for the whole load, so a worker still
        starting when they open would get none of them, and a 2-worker run
        would measure one worker.
        """
        deadline = time.monotonic() + timeout
        previous = -1.0
        while time.monotonic() < deadline:
            workers = self.workers()
            busy = _cpu_seconds(workers)
            if len(workers) >= count and busy - previous < window * IDLE_CPU_SHARE:
                return
            previous = busy
            time.sleep(window)
        raise RuntimeError(f"{count} workers were not all idle within {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for p in self.tree():
                    p.kill()
                self.proc.wait(timeout=5)


def start_trellis(env_overrides: dict[str, str], data_dir: Path, workers: int = 1, log_dir: Path | None = None) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WORKERS": str(workers),
        "DATA_DIR": str(data_dir),
        "LOG_TO_FILE": "false",
        "LOG_LEVEL": "WARNING",
        # With a shared REDIS_URL, rate-limit budgets leased by an earlier server's workers stay taken
        # until their window ends: each server counts its clients under its own keys.
        "GUARD_KEY_PREFIX": f"bench-{port}:",
        **env_overrides,
    }
    log_path = (log_dir or data_dir) / f"server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log_path, "wb")  # noqa: SIM115 - kept open for the child's lifetime
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/health/live", timeout=120)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(f"Trellis did not start; log:\n{log_path.read_text()[-4000:]}") from None
    started_in = time.perf_counter() - start
    server = Server(proc, port, started_in, log_path, data_dir)
    if workers > 1:
        server.wait_workers_idle(workers)
    return server


def start_bare(data_dir: Path) -> Server:
    """The physical ceiling: a bare FastAPI route on granian, no Trellis middleware."""
    port = free_port()
    log_path = data_dir / f"bare-{port}.log"
    handle = open(log_path, "wb")  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "bench.bare_app:app",
        ],
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    wait_http(f"http://127.0.0.1:{port}/ping")
    return Server(proc, port, time.perf_counter() - start, log_path)
