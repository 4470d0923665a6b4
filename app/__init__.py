"""Trellis: ``create_app(settings=None)`` (in ``app.factory``) builds the app.

This package's own import is deliberately light — the supervisor
(``python -m app``) only needs the settings, and loading FastAPI, Tortoise and
the system here cost it about a second at every start. ``create_app`` and the
server target ``app:app`` (created on first access) load the rest lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from app.factory import create_app

        return create_app
    if name == "app":
        from app.factory import create_app

        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
