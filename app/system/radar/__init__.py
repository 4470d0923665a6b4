"""Radar: per-request monitoring (requests, SQL, exceptions, developer logs).

Invariants: capture never blocks or fails a request (bounded queue, drop and
count); nothing secret is stored (everything passes ``redact``); the store is
a separate Tortoise app ``app_radar`` on ``conn_radar`` (``RADAR_DB_URL``,
default a SQLite file in DATA_DIR) pruned by age and row cap; with
``RADAR_ENABLED=false`` nothing is captured and the API answers empty data.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from loguru import logger
from starlette.middleware import Middleware
from tortoise import connections

from app.core.config import Settings
from app.core.database import OrmApp
from app.core.lifecycle import AppHooks
from app.core.write_tracking import ignore_connection
from app.system.radar.capture import RADAR_CONNECTION, install_sql_capture, radar_log
from app.system.radar.redact import redact

RADAR_APP = "app_radar"
RADAR_MODEL_MODULES = ("app.system.radar.models",)

__all__ = ["RADAR_APP", "RADAR_CONNECTION", "create_radar_tables", "prepare_store", "radar_log", "radar_orm_app", "redact", "setup_radar"]


def setup_radar(app: FastAPI, settings: Settings, hooks: AppHooks, orm_apps: list[OrmApp], middlewares: list[Middleware]) -> None:
    """Mount the Radar API; when enabled, add its store, middleware and writer hooks."""
    from app.system.radar.api import router
    from app.system.radar.middleware import RadarMiddleware
    from app.system.radar.sink import SINK_ENV, SinkClient
    from app.system.radar.writer import RadarWriter

    app.include_router(router)
    if not settings.RADAR_ENABLED:
        return
    orm_apps.append(radar_orm_app(_monitoring_url(settings.radar_db_url)))
    sink_path = os.environ.get(SINK_ENV) if settings.RADAR_STORE_PROCESS else None
    sink = SinkClient(sink_path) if sink_path else None
    writer = RadarWriter(
        settings.RADAR_QUEUE_SIZE,
        settings.RADAR_RETENTION_HOURS,
        settings.RADAR_MAX_ROWS,
        forward=sink.send if sink else None,
        body_limit=settings.RADAR_MAX_BODY_SIZE,
    )
    app.state.radar_writer = writer
    ignore_connection(RADAR_CONNECTION)  # Radar's own rows never invalidate the page cache
    middlewares.append(Middleware(RadarMiddleware, settings=settings, writer=writer))

    async def start_radar() -> None:
        prepare_store(settings)
        await create_radar_tables()
        install_sql_capture()
        writer.start()
        if sink is None:  # else the store process prunes
            await writer.prune_quietly()

    async def stop_radar() -> None:
        await writer.stop()
        if sink is not None:
            await sink.close()

    hooks.on_worker_start("radar", start_radar)
    hooks.on_shutdown("radar", stop_radar)


def radar_orm_app(url: str) -> OrmApp:
    """Radar's Tortoise app on its own connection; it keeps its own tables (``create_radar_tables``), so no migrations."""
    return OrmApp(RADAR_APP, RADAR_CONNECTION, url, RADAR_MODEL_MODULES, migrated=False)


def prepare_store(settings: Settings) -> str:
    """Radar's store URL, with the directory of a SQLite store created."""
    url = _monitoring_url(settings.radar_db_url)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(parts.netloc + parts.path)
        path.parent.mkdir(parents=True, exist_ok=True)
    return url


#: Columns added to Radar's tables after their first release: (table, column, type), added to older stores at start.
ADDED_COLUMNS = (("radar_requests", "response_body_ref", "VARCHAR(32)"),)


async def create_radar_tables() -> None:
    """Create Radar's tables if missing and add columns an older store lacks; every worker may try (safe=True)."""
    from tortoise.utils import generate_schema_for_client

    conn = connections.get(RADAR_CONNECTION)
    try:
        await generate_schema_for_client(conn, safe=True)
    except Exception as exc:  # noqa: BLE001 - a concurrent worker may win the race; Radar is optional
        with contextlib.suppress(Exception):
            logger.warning("radar: could not create tables ({})", type(exc).__name__)
    for table, column, sql_type in ADDED_COLUMNS:
        try:
            await conn.execute_query(f"SELECT {column} FROM {table} WHERE 1 = 0")
        except Exception:  # noqa: BLE001 - the column is missing (the error type depends on the driver)
            try:
                await conn.execute_script(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
            except Exception as exc:  # noqa: BLE001 - a concurrent worker may have added it first
                logger.warning("radar: could not add {}.{} ({})", table, column, type(exc).__name__)


def _monitoring_url(url: str) -> str:
    """Radar's own SQLite store trades the last commits on power loss for cheaper writes."""
    if url.startswith("sqlite://") and "synchronous=" not in url:
        return url + ("&" if "?" in url else "?") + "synchronous=NORMAL"
    return url
