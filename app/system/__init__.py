"""Built-in system modules: auth, RBAC, users, menus, APIs, dictionary, Radar."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware

from app.core.config import Settings
from app.core.database import OrmApp
from app.core.lifecycle import AppHooks

SYSTEM_MODEL_MODULES: list[str] = ["app.system.models"]


def register_system(app: FastAPI, settings: Settings, hooks: AppHooks, orm_apps: list[OrmApp], middlewares: list[Middleware]) -> None:
    """Mount the system routers and register the system's start-up hooks."""
    from app.core.guard import GuardMiddleware
    from app.system.api import register_routers
    from app.system.authz_setup import setup_authz
    from app.system.radar import setup_radar
    from app.system.startup import register_startup

    setup_authz(app, settings, hooks)
    register_routers(app, settings)
    setup_radar(app, settings, hooks, orm_apps, middlewares)  # Radar outer, guard inner
    if settings.GUARD_ENABLED:
        middlewares.append(Middleware(GuardMiddleware, settings=settings))
    register_startup(app, hooks)
