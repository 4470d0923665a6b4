"""System HTTP routers."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.config import Settings
from app.system.api.auth import router as auth_router
from app.system.api.health import router as health_router
from app.system.api.manage import build_manage_router
from app.system.api.route import router as route_router


def register_routers(app: FastAPI, settings: Settings) -> None:
    app.include_router(health_router)
    app.include_router(auth_router, prefix="/api/v1")
    app.include_router(route_router, prefix="/api/v1")
    app.include_router(build_manage_router(), prefix="/api/v1")
