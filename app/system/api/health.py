"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.core.responses import Success

router = APIRouter(tags=["health"])


@router.get("/health", include_in_schema=False)
async def health() -> Response:
    """Bare liveness probe (not enveloped, as load balancers expect)."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/health/live", include_in_schema=False)
async def live(request: Request) -> Success:
    """Liveness in the envelope."""
    return Success({"status": "ok"})
