"""A production app that is never started: for tests of layers that touch no database."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app import create_app
from tests.conftest import base_settings


def bare_app(**overrides: Any) -> FastAPI:
    """``create_app`` on the test settings; its lifespan is not run (no DB, no Redis)."""
    return create_app(base_settings(**overrides))


def client_for(application: FastAPI) -> httpx.AsyncClient:
    """An httpx client over ASGI; app exceptions surface as failures, as a server would log them."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver")
