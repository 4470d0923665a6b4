"""A model and helpers used only by the state-machine and outbox tests (app ``app_test_biz``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

from tortoise import fields

from app.core.config import Settings
from app.core.database import SYSTEM_APP, SYSTEM_CONNECTION, OrmApp, build_tortoise_config, close_db, init_db
from app.core.model import AuditMixin, BaseModel
from app.core.outbox import OUTBOX_MODELS_MODULE

TEST_APP = "app_test_biz"


class Document(BaseModel, AuditMixin):
    """A document moving draft → review → published, with an optimistic-lock version."""

    title = fields.CharField(max_length=50)
    status = fields.CharField(max_length=20, default="draft")
    version = fields.IntField(default=0)
    reviewer = fields.CharField(max_length=50, null=True)

    class Meta:
        table = "t_biz_documents"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """Only the outbox table and ``Document``: core tests do not depend on the system seeds."""
    apps = [
        OrmApp(SYSTEM_APP, SYSTEM_CONNECTION, settings.db_url, (OUTBOX_MODELS_MODULE,)),
        OrmApp(TEST_APP, SYSTEM_CONNECTION, settings.db_url, (__name__,)),
    ]
    return build_tortoise_config(apps, timezone=settings.TIMEZONE)


@asynccontextmanager
async def started(settings: Settings, backend_name: str) -> AsyncIterator[None]:
    """Tortoise initialised for ``Document`` and the outbox on empty tables."""
    from tests.conftest import reset_database

    config = tortoise_config(settings)
    await reset_database(SimpleNamespace(state=SimpleNamespace(tortoise_config=config)), backend_name)  # type: ignore[arg-type]
    await init_db(config)
    try:
        yield
    finally:
        await close_db()
