"""A started app with Radar on, plus a test router that runs SQL, logs and raises."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from loguru import logger
from tortoise import connections

from app.core.database import SYSTEM_CONNECTION
from app.core.responses import Success
from app.system.radar import radar_log
from app.system.radar.redact import REDACTED
from app.system.radar.rows import RawRequest
from tests import services
from tests.conftest import _tmp_dir, reset_database

probe = APIRouter(prefix="/api/v1/radar-probe")


@probe.post("/echo")
async def echo_with_sql(request: Request) -> Success:
    body = await request.json()
    conn = connections.get(SYSTEM_CONNECTION)
    await conn.execute_query("SELECT 1")
    radar_log("probe called", level="WARNING", data={"user": body.get("userName"), "password": body.get("password")})
    return Success({"seen": True})


@probe.post("/page")
async def page(request: Request) -> Success:
    """A list page long enough for Radar to store its body once (app.system.radar.bodies)."""
    body = await request.json()
    rows = [{"id": i, "name": f"row {i}", "note": "n" * 40} for i in range(int(body.get("rows", 20)))]
    return Success({"records": rows}, msg=body.get("msg"))


@probe.post("/explode")
async def explode(request: Request) -> Success:
    await request.json()
    await connections.get(SYSTEM_CONNECTION).execute_query("SELECT 2")
    raise RuntimeError("probe exploded")


def radar_db_url(backend: services.Backend) -> str:
    """Radar's store: its own SQLite file beside SQLite, else the backend's server DB (own connection)."""
    if backend.name != "sqlite":
        return backend.db_url
    return f"sqlite://{Path(_tmp_dir) / 'radar.sqlite3'}"


async def start(app: FastAPI, backend: services.Backend) -> AsyncIterator[FastAPI]:
    app.include_router(probe)
    await reset_database(app, backend.name)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend, request: pytest.FixtureRequest) -> AsyncIterator[FastAPI]:
    """The started app for this directory: Radar on unless the module sets ``RADAR_ENABLED = False``."""
    enabled = getattr(request.module, "RADAR_ENABLED", True)
    async for application in start(app_factory(RADAR_ENABLED=enabled, RADAR_DB_URL=radar_db_url(backend)), backend):
        yield application


@pytest.fixture
def radar_app(app: FastAPI) -> FastAPI:
    return app


@pytest.fixture
async def radar_client(radar_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=radar_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every log line written during the test."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="DEBUG")
    yield lines
    logger.remove(sink)


async def flush(app: FastAPI) -> None:
    """Wait until the Radar writer has stored everything queued so far."""
    await app.state.radar_writer.settled()


def dump_all(rows: list[Any]) -> str:
    return " ".join(repr(r.__dict__) for r in rows)


def raw_request(**changes: Any) -> RawRequest:
    """A plausible capture as the middleware hands it over (unredacted), with ``changes`` applied."""
    raw = RawRequest(
        x_request_id="plan-0001",
        created_at=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC).timestamp(),
        method="POST",
        path="/api/v1/x",
        path_template=None,
        client_ip="1.2.3.4",
        client_port=9,
        user_id=None,
        user_name="bob",
        query_string=b"",
        request_headers=[(b"authorization", b"Bearer a-real-token"), (b"host", b"t")],
        request_body=b'{"a":1}',
        response_status=200,
        response_headers=[(b"content-type", b"application/json")],
        response_body=None,
        business_code="0000",
        elapsed=0.0015,
        error=None,
    )
    return raw._replace(**changes)


def request_row(**changes: Any) -> dict[str, Any]:
    """A plausible ``radar_requests`` row as the middleware builds it, with ``changes`` applied."""
    row: dict[str, Any] = {
        "x_request_id": "plan-0001",
        "method": "POST",
        "path": "/api/v1/x",
        "path_template": None,
        "client_ip": "1.2.3.4",
        "client_port": 9,
        "user_id": None,
        "user_name": "bob",
        "query_params": None,
        "request_headers": {"authorization": REDACTED, "host": "t"},
        "request_body": '{"a":1}',
        "response_status": 200,
        "response_headers": {"content-type": "application/json"},
        "response_body": None,
        "business_code": "0000",
        "duration_ms": 1.5,
        "error_type": None,
        "error_message": None,
        "error_traceback": None,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
    }
    row.update(changes)
    return row
