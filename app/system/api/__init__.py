"""System HTTP routers."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.config import Settings
from app.system.api.health import router as health_router


def register_routers(app: FastAPI, settings: Settings) -> None:
    app.include_router(health_router)
