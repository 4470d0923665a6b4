"""Liveness and readiness.

``/health`` and ``/health/live`` only say the process answers. ``/health/ready``
checks each dependency with a short timeout — every database connection of the
app (``SELECT 1``) and Redis (``PING``) — and reports each, plus the start-up
``init_errors``. Not ready answers the envelope with code 1104 and HTTP 503,
because the consumers are load balancers and orchestrators, which read the
status line.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response
from tortoise import connections

from app.core.code import Code
from app.core.responses import Custom, Success

router = APIRouter(tags=["health"])

#: Seconds each readiness check may take before it counts as failed.
CHECK_TIMEOUT = 2.0
#: Connections readiness does not wait for (Radar's store is optional).
OPTIONAL_CONNECTIONS = frozenset({"conn_radar"})


@router.get("/health", include_in_schema=False)
async def health() -> Response:
    """Bare liveness probe (not enveloped, as load balancers expect)."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/health/live", include_in_schema=False)
async def live(request: Request) -> Success:
    """Liveness in the envelope."""
    return Success({"status": "ok"})


async def _timed(probe: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the type is reported, not the text
        return {"ok": False, "error": type(exc).__name__, "latencyMs": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "error": None, "latencyMs": round((time.perf_counter() - started) * 1000, 1)}


async def _database_checks(request: Request) -> dict[str, dict[str, Any]]:
    names = [n for n in request.app.state.tortoise_config["connections"] if n not in OPTIONAL_CONNECTIONS]
    results = await asyncio.gather(*(_timed(connections.get(name).execute_query("SELECT 1")) for name in names))
    return dict(zip(names, results, strict=True))


@router.get("/health/ready", include_in_schema=False)
async def ready(request: Request) -> Custom:
    """Readiness: each database connection and Redis, with ``init_errors``."""
    redis = getattr(request.app.state, "redis", None)
    databases, redis_check = await asyncio.gather(
        _database_checks(request),
        _timed(redis.ping()) if redis is not None else _missing(),
    )
    init_errors = dict(getattr(request.app.state, "init_errors", {}) or {})
    healthy = all(c["ok"] for c in databases.values()) and redis_check["ok"]
    data = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": all(c["ok"] for c in databases.values()), "connections": databases},
        "redis": redis_check,
        "initErrors": {name: str(err) for name, err in init_errors.items()},
    }
    if healthy:
        return Success(data)
    return Custom(code=Code.NOT_READY, data=data, status_code=503)


async def _missing() -> dict[str, Any]:
    return {"ok": False, "error": "NotConfigured", "latencyMs": 0.0}
