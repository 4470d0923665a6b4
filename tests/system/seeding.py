"""Fixtures shared by the seeding tests: a bare database (no start-up) and captured warnings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from fastapi import FastAPI
from loguru import logger
from tortoise import Tortoise

from app.core.config import Settings
from app.core.security import configure_security
from tests import services
from tests.conftest import reset_database


@pytest.fixture
async def bare_app(app_factory: Callable[..., FastAPI], backend: services.Backend, settings: Settings) -> AsyncIterator[FastAPI]:
    """An app that is built but not started, on empty tables, with the ORM initialised."""
    application = app_factory()
    await reset_database(application, backend.name)
    configure_security(settings)
    await Tortoise.init(config=application.state.tortoise_config)
    try:
        yield application
    finally:
        await Tortoise.close_connections()


@pytest.fixture
def warnings_log() -> Iterator[list[str]]:
    """Messages of every WARNING (or worse) logged while the test runs."""
    seen: list[str] = []
    sink = logger.add(lambda message: seen.append(message.record["message"]), level="WARNING", format="{message}")
    try:
        yield seen
    finally:
        logger.remove(sink)
