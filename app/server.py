"""The production launcher: checks, embedded services, then granian workers under a supervisor.

``python -m app`` runs a small supervisor process. It refuses to start when the
port is taken (granian's port reuse would otherwise silently share traffic with
a leftover server), starts the embedded Valkey when no REDIS_URL is set, then
starts Radar's store process (one writer of Radar's rows for every worker,
see app/system/radar/sink.py; restarted with back-off if it dies), then runs granian (``WORKERS``, respawn of
failed workers, lifetime and RSS limits) in a child process with its own
process group.

Shutdown always finishes: SIGTERM/SIGINT are forwarded to granian, which
drains in-flight requests and stops its workers (each gets
``SHUTDOWN_TIMEOUT_SECONDS`` before granian kills it). Granian workers have
been seen to hang on a SIGTERM that arrives right after start, and a signal
that lands before granian installs its handlers kills its master and orphans
the workers; so if the group is not gone ``SHUTDOWN_TIMEOUT_SECONDS`` + a grace
after the signal, the supervisor SIGKILLs the whole process group. The
Radar store and the embedded Valkey are stopped on the way out, after the
workers.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from types import FrameType

from app.core.config import ConfigError, Settings, get_settings
from app.core.redis import ensure_embedded_redis, stop_embedded_redis

#: Seconds the supervisor adds to SHUTDOWN_TIMEOUT_SECONDS before it SIGKILLs stragglers.
KILL_GRACE_SECONDS = 3.0
#: A granian that lived this long before exiting on its own counts as healthy (backoff resets).
HEALTHY_RUN_SECONDS = 60.0
#: Consecutive quick exits after which the supervisor gives up (a broken deployment, not a crash).
MAX_QUICK_RESTARTS = 8
CHILD_FLAG = "--granian-child"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def serve_granian(settings: Settings) -> None:
    """Run granian in this process (the supervisor's child)."""
    from granian.constants import Interfaces
    from granian.server import Server

    # Import (never build) the app's code here: granian forks its workers from this
    # process, so each starts with the modules loaded (about a second less per start or
    # respawn). Importing is side-effect free by rule (tests/test_import_is_boring.py).
    import app.system  # noqa: F401

    # Workers inherit these modules: frozen, their collections never walk (and so never copy) them.
    gc.freeze()

    server = Server(
        "app.factory:create_app",
        factory=True,
        address=settings.HOST,
        port=settings.PORT,
        interface=Interfaces.ASGI,
        workers=settings.WORKERS,
        respawn_failed_workers=True,
        workers_lifetime=settings.WORKER_LIFETIME_SECONDS or None,
        workers_kill_timeout=max(1, int(settings.SHUTDOWN_TIMEOUT_SECONDS)),
        workers_max_rss=settings.WORKER_MAX_RSS_MB or None,
        log_access=False,
    )
    server.serve()


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class Supervisor:
    """Forwards stop signals to the granian child; SIGKILLs its group if it outlives the deadline.

    ``tick`` runs every poll (~50 ms) while serving: it keeps the side
    processes (Radar's store) running.
    """

    def __init__(self, shutdown_timeout: float) -> None:
        self.shutdown_timeout = shutdown_timeout
        self.child: subprocess.Popen[bytes] | None = None
        self.deadline: float | None = None
        self.signum = signal.SIGTERM
        self.tick: Callable[[], None] = lambda: None

    def install(self) -> None:
        """Install the handlers before the child exists, so no early signal is lost."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.shutdown_timeout + KILL_GRACE_SECONDS
        self.signum = signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM
        self._forward()

    def _forward(self) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(self.signum)

    def run(self, child: subprocess.Popen[bytes]) -> int:
        self.child = child
        if self.deadline is not None:
            self._forward()  # a signal arrived while the child was being started
        pgid = child.pid  # start_new_session: the child leads its own group
        while child.poll() is None:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                print("trellis: shutdown timed out; killing the server processes", file=sys.stderr)
                _kill_group(pgid, signal.SIGKILL)
                break
            if self.deadline is None:
                self.tick()
            time.sleep(0.05)
        returncode = child.wait()
        self._reap_group(pgid)
        if self.deadline is not None and returncode in (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGKILL):
            return 0
        return returncode

    def serve(self, spawn: Callable[[], subprocess.Popen[bytes]]) -> int:
        """Run granian until a stop signal; restart it with backoff when it exits on its own.

        Granian exits when a worker crash-loops (it dies again within seconds of
        a respawn); the supervisor brings the whole server back instead of
        leaving it down. Quick exits in a row back off exponentially (0.5 s up to
        30 s) and after ``MAX_QUICK_RESTARTS`` the supervisor gives up.
        """
        quick_exits = 0
        while True:
            started = time.monotonic()
            returncode = self.run(spawn())
            if self.deadline is not None:
                return returncode
            quick_exits = _quick_exits(quick_exits, started)
            if quick_exits > MAX_QUICK_RESTARTS:
                print(f"trellis: the server exited {quick_exits} times in a row right after starting; giving up", file=sys.stderr)
                return returncode or 1
            delay = _restart_delay(quick_exits)
            print(f"trellis: the server exited unexpectedly (code {returncode}); restarting in {delay:.1f} s", file=sys.stderr)
            until = time.monotonic() + delay
            while time.monotonic() < until and self.deadline is None:
                self.tick()
                time.sleep(0.05)
            if self.deadline is not None:
                return 0

    def _reap_group(self, pgid: int) -> None:
        """Workers orphaned by an early signal still belong to the group: never leave them running."""
        until = time.monotonic() + (self.shutdown_timeout if self.deadline is None else max(0.0, self.deadline - time.monotonic()))
        while _group_alive(pgid) and time.monotonic() < until:
            _kill_group(pgid, signal.SIGTERM)
            time.sleep(0.1)
        _kill_group(pgid, signal.SIGKILL)


def _quick_exits(previous: int, started: float) -> int:
    """Exits in a row that came soon after their start: 0 again after a healthy run."""
    return 0 if time.monotonic() - started >= HEALTHY_RUN_SECONDS else previous + 1


def _restart_delay(quick_exits: int) -> float:
    """0.5 s after a healthy run, then doubling with each quick exit in a row, at most 30 s."""
    return min(30.0, 0.5 * 2.0 ** max(quick_exits - 1, 0))


def terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM ``proc`` and wait up to ``timeout`` seconds for it; SIGKILL it if it is still running then."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class RadarStore:
    """Radar's store process (app/system/radar/sink.py), restarted with back-off whenever it dies.

    It starts beside granian, not before it (start-up time is not spent
    waiting for it): until it listens, and whenever it cannot be reached,
    the workers write their own records, and they reconnect to its socket
    once it is back. The socket lives in the temp directory (a Unix socket
    path has ~100 characters at most; DATA_DIR may be deeper); its path is
    added to the ``env`` given (``TRELLIS_RADAR_SINK``), which the workers inherit.
    """

    def __init__(self, env: dict[str, str]) -> None:
        from app.system.radar.sink import SINK_ENV

        self.path = os.path.join(tempfile.gettempdir(), f"trellis-radar-{uuid.uuid4().hex[:12]}.sock")
        env[SINK_ENV] = self.path
        self.env = dict(env)
        self.quick_exits = 0
        self.restart_at: float | None = None
        self.proc = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.started = time.monotonic()
        return subprocess.Popen([sys.executable, "-m", "app.system.radar.sink"], env=self.env, start_new_session=True)

    def keep_running(self) -> None:
        """Reap a store that exited and start another one after the supervisor's back-off (``_restart_delay``)."""
        if self.proc.poll() is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            self.quick_exits = _quick_exits(self.quick_exits, self.started)
            delay = _restart_delay(self.quick_exits)
            print(f"trellis: Radar's store process exited (code {self.proc.returncode}); restarting it in {delay:.1f} s", file=sys.stderr)
            self.restart_at = now + delay
        elif now >= self.restart_at:
            self.restart_at = None
            self.proc = self._spawn()

    def stop(self, timeout: float) -> None:
        """SIGTERM (it drains its queue), then SIGKILL after ``timeout``; the socket file is removed."""
        terminate(self.proc, timeout)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def main() -> int:
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"trellis: configuration refused: {exc}", file=sys.stderr)
        return 2
    if CHILD_FLAG in sys.argv:
        serve_granian(settings)
        return 0
    if not port_is_free(settings.HOST, settings.PORT):
        print(f"trellis: {settings.HOST}:{settings.PORT} is already in use; stop the other server or set PORT", file=sys.stderr)
        return 2
    if settings.DB_URL:  # the embedded SQLite file is created and migrated by the workers
        from app.core.db_preflight import database_problem

        def waiting(reason: str) -> None:
            print(f"trellis: {reason}; waiting up to {settings.DB_WAIT_SECONDS:g} s for it", file=sys.stderr, flush=True)

        # ``menus``: the first table start-up reads (app.system.startup), named by the contract (spec data.md).
        problem = database_problem(settings.DB_URL, settings.DB_CONNECT_TIMEOUT, settings.DB_WAIT_SECONDS, "menus", waiting)
        if problem is not None:
            print(f"trellis: {problem}", file=sys.stderr)
            return 2 if problem.fatal else 1
    env = dict(os.environ)
    started_redis = False
    if settings.embedded_redis:
        env["REDIS_URL"] = ensure_embedded_redis(settings.DATA_DIR)
        started_redis = True
    env.setdefault("TRELLIS_BOOT_ID", uuid.uuid4().hex)
    env.setdefault("TRELLIS_BOOT_TIME", f"{time.time():.3f}")
    env["SECRET_KEY"] = settings.secret  # workers must agree on a generated secret
    supervisor = Supervisor(settings.SHUTDOWN_TIMEOUT_SECONDS)
    supervisor.install()
    radar_store = RadarStore(env) if settings.RADAR_ENABLED and settings.RADAR_STORE_PROCESS else None
    if radar_store is not None:
        supervisor.tick = radar_store.keep_running
    try:

        def spawn() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, "-m", "app.server", CHILD_FLAG], env=env, start_new_session=True)  # noqa: S603

        return supervisor.serve(spawn)
    finally:
        if radar_store is not None:  # after the workers: they hand their last records over on the way out
            radar_store.stop(timeout=settings.SHUTDOWN_TIMEOUT_SECONDS + KILL_GRACE_SECONDS)
        if started_redis:
            stop_embedded_redis(settings.DATA_DIR)


if __name__ == "__main__":
    raise SystemExit(main())
