"""Database helpers for the offline commands: connect, inspect, reset, production guard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext

from app.core.config import Settings
from app.core.migrate import ensure_migrations_importable, with_migrations

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


@asynccontextmanager
async def orm(config: dict[str, Any], *, connect: bool = True) -> AsyncIterator[TortoiseContext]:
    """A Tortoise context for this command, closed on exit."""
    ensure_migrations_importable()
    async with TortoiseContext() as ctx:
        await ctx.init(config=with_migrations(config), init_connections=connect)
        yield ctx


def production_reason(settings: Settings, db_url: str) -> str | None:
    """Why this database looks like production, or None for a development one.

    Production = a database server on a non-local host, or any server database
    while ``APP_DEBUG`` is false. SQLite files and local servers in debug are
    development databases.
    """
    parts = urlsplit(db_url)
    if parts.scheme == "sqlite":
        return None
    host = (parts.hostname or "").lower()
    if host not in LOCAL_HOSTS:
        return f"database host {host!r} is not local"
    if not settings.APP_DEBUG:
        return "APP_DEBUG is false and DB_URL points to a database server"
    return None


def dialect(conn: BaseDBAsyncClient) -> str:
    return str(conn.capabilities.dialect)


async def list_tables(conn: BaseDBAsyncClient) -> list[str]:
    kind = dialect(conn)
    if kind == "sqlite":
        sql = "SELECT name AS t FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    elif kind == "postgres":
        sql = "SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()"
    elif kind == "mysql":
        sql = "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()"
    else:
        raise ValueError(f"unsupported database dialect {kind}")
    _, rows = await conn.execute_query(sql)
    return sorted(str(next(iter(dict(row).values()))) for row in rows)


async def drop_tables(conn: BaseDBAsyncClient, tables: list[str]) -> None:
    """Drop every listed table, ignoring foreign keys between them."""
    if not tables:
        return
    kind = dialect(conn)
    if kind == "postgres":
        await conn.execute_script(";".join(f'DROP TABLE IF EXISTS "{t}" CASCADE' for t in tables))
    elif kind == "mysql":
        drops = " ".join(f"DROP TABLE IF EXISTS `{t}`;" for t in tables)
        await conn.execute_script(f"SET FOREIGN_KEY_CHECKS=0; {drops} SET FOREIGN_KEY_CHECKS=1;")
    else:
        drops = " ".join(f'DROP TABLE IF EXISTS "{t}";' for t in tables)
        await conn.execute_script(f"PRAGMA foreign_keys=OFF; {drops} PRAGMA foreign_keys=ON;")


def connection(name: str) -> BaseDBAsyncClient:
    conn: BaseDBAsyncClient = connections.get(name)
    return conn
