"""Models and helpers used only by the CRUD tests (Tortoise app ``app_test``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI
from tortoise import fields

from app import create_app
from app.core.config import Settings
from app.core.ctx import CTX_USER_NAME
from app.core.database import SYSTEM_CONNECTION, OrmApp, all_models, close_db, init_db
from app.core.model import AuditMixin, BaseModel, SoftDeleteManager, SoftDeleteMixin, StatusType, TreeMixin, install_soft_delete_managers

TEST_APP = "app_test"


class Gadget(BaseModel, AuditMixin):
    """Plain audited model with a secret-like column that must never be sortable."""

    name = fields.CharField(max_length=50)
    code = fields.CharField(max_length=20, unique=True)
    price = fields.IntField(default=0)
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable)
    password = fields.CharField(max_length=128, default="")
    api_token_hash = fields.CharField(max_length=64, null=True)
    extra: fields.Field[dict[str, str] | None] = fields.JSONField(null=True)

    tags: fields.ManyToManyRelation[Tag] = fields.ManyToManyField(f"{TEST_APP}.Tag", related_name="gadgets", through="t_gadget_tag")

    class Meta:
        table = "t_gadgets"


class Tag(BaseModel):
    label = fields.CharField(max_length=20)

    class Meta:
        table = "t_tags"


class Note(BaseModel, AuditMixin, SoftDeleteMixin):
    title = fields.CharField(max_length=50)

    class Meta:
        table = "t_notes"
        manager = SoftDeleteManager()


class Node(BaseModel, TreeMixin):
    label = fields.CharField(max_length=50)

    class Meta:
        table = "t_nodes"


class QueryLog(logging.Handler):
    """Collects the SQL statements Tortoise sends (its ``tortoise.db_client`` debug log)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.lstrip().split(" ", 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            self.statements.append(text)


@contextmanager
def capture_sql() -> Iterator[QueryLog]:
    logger = logging.getLogger("tortoise.db_client")
    handler, previous = QueryLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


@contextmanager
def acting_as(user_name: str) -> Iterator[None]:
    token = CTX_USER_NAME.set(user_name)
    try:
        yield
    finally:
        CTX_USER_NAME.reset(token)


def orm_app_for(settings: Settings) -> OrmApp:
    return OrmApp(TEST_APP, SYSTEM_CONNECTION, settings.db_url, (__name__,))


@asynccontextmanager
async def started(app: FastAPI, backend_name: str) -> AsyncIterator[FastAPI]:
    """Empty every table (creating the test tables on first use) and connect the ORM.

    Only the database part of start-up runs: these tests exercise the CRUD
    layer, not the system's seeds or Redis.
    """
    from tests.conftest import reset_database

    await reset_database(app, backend_name)
    await init_db(app.state.tortoise_config)
    install_soft_delete_managers(all_models())
    try:
        yield app
    finally:
        await close_db()


def make_app(settings: Settings) -> FastAPI:
    return create_app(settings, extra_orm_apps=[orm_app_for(settings)])
