"""The production launcher: checks, embedded services, then granian workers."""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid

from app.core.config import ConfigError, get_settings
from app.core.redis import ensure_embedded_redis, stop_embedded_redis


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def main() -> int:
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"trellis: configuration refused: {exc}", file=sys.stderr)
        return 2
    if settings.embedded_redis and settings.WORKERS > 1:
        pass  # the embedded Valkey is a real server: several workers share it safely
    if not port_is_free(settings.HOST, settings.PORT):
        print(f"trellis: {settings.HOST}:{settings.PORT} is already in use; stop the other server or set PORT", file=sys.stderr)
        return 2
    started_redis = False
    if settings.embedded_redis:
        os.environ["REDIS_URL"] = ensure_embedded_redis(settings.DATA_DIR)
        started_redis = True
    os.environ.setdefault("TRELLIS_BOOT_ID", uuid.uuid4().hex)
    os.environ.setdefault("TRELLIS_BOOT_TIME", f"{time.time():.3f}")
    # Workers must agree on the secret generated for the embedded default.
    os.environ["SECRET_KEY"] = settings.secret

    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        "app:create_app",
        factory=True,
        address=settings.HOST,
        port=settings.PORT,
        interface=Interfaces.ASGI,
        workers=settings.WORKERS,
        respawn_failed_workers=True,
        workers_lifetime=settings.WORKER_LIFETIME_SECONDS or None,
        workers_kill_timeout=int(settings.SHUTDOWN_TIMEOUT_SECONDS),
        workers_max_rss=settings.WORKER_MAX_RSS_MB or None,
        log_access=False,
    )
    try:
        server.serve()
    finally:
        if started_redis:
            stop_embedded_redis(settings.DATA_DIR)
    return 0
