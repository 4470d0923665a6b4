"""The launcher's question before it starts anything: can the server database serve Trellis?

A worker that finds no database, or a database without Trellis's tables,
fails its start-up; granian respawns it, it fails again, and the launcher
restarts granian — minutes of tracebacks that bury the one line saying what
to do. So ``python -m app`` asks once, up front, and stops with that line.
An unreachable server is waited for (a database container that starts
after the app is normal) up to ``DB_WAIT_SECONDS``.

The embedded SQLite file needs none of this: it is created and migrated at
start-up.
"""

from __future__ import annotations

import asyncio
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from tortoise.context import TortoiseContext
from tortoise.exceptions import ConfigurationError

from app.core.database import with_connection_defaults

__all__ = ["DatabaseNotReadyError", "check_database", "database_problem"]

#: The drivers' "no such database" errors (PostgreSQL, MySQL/MariaDB).
_MISSING_DATABASE = re.compile(r'database "[^"]*" does not exist|unknown database', re.IGNORECASE)
#: Refused credentials: waiting cannot help either.
_REFUSED = re.compile(r'password authentication failed|role "[^"]*" does not exist|access denied', re.IGNORECASE)
_CONNECTION = "preflight"
RETRY_SECONDS = 1.0


class DatabaseNotReadyError(Exception):
    """What keeps the database from serving Trellis, in one line; ``fatal`` when waiting cannot help."""

    def __init__(self, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal


def _where(parts: SplitResult) -> tuple[str, str]:
    """``host:port`` and the database name of a URL, never its password."""
    host = parts.hostname or "localhost"
    return (f"{host}:{parts.port}" if parts.port else host), unquote(parts.path.lstrip("/"))


def _chain_texts(exc: BaseException, secret: str | None) -> list[str]:
    """The messages of an exception and its causes, outermost first (Tortoise wraps the driver's error), secret blanked."""
    texts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(texts) < 5:
        text = str(current)
        texts.append(text.replace(secret, "***") if secret else text)
        current = current.__cause__ or current.__context__
    return texts


async def check_database(db_url: str, connect_timeout: float, table: str) -> None:
    """Connect once and look for ``table``, the first one start-up reads; raise ``DatabaseNotReadyError`` when it cannot serve."""
    parts = urlsplit(db_url)
    where, name = _where(parts)
    if parts.scheme == "sqlite" and not Path(parts.netloc + parts.path).parent.is_dir():
        raise DatabaseNotReadyError(f"cannot open the SQLite file {parts.netloc + parts.path}: its directory does not exist", fatal=True)
    config: dict[str, Any] = {
        "connections": {_CONNECTION: with_connection_defaults(db_url, connect_timeout)},
        "apps": {_CONNECTION: {"models": [__name__], "default_connection": _CONNECTION}},  # Tortoise wants one app
    }
    try:
        async with TortoiseContext() as ctx:
            with warnings.catch_warnings():  # "this module has no models": it needs none, only the connection
                warnings.simplefilter("ignore", RuntimeWarning)
                await ctx.init(config=config)
            conn = ctx.connections.get(_CONNECTION)
            await asyncio.wait_for(conn.execute_query("SELECT 1"), connect_timeout + 1)
            try:  # connected: a failure now is the table's
                await conn.execute_query(f"SELECT 1 FROM {table} WHERE 1 = 0")  # table: the caller's constant
                has_tables = True
            except Exception:  # noqa: BLE001 - "no such table" differs by driver
                has_tables = False
    except (ConfigurationError, ImportError) as exc:  # an unknown scheme, a missing driver
        raise DatabaseNotReadyError(f"DB_URL is not usable ({type(exc).__name__}: {exc})", fatal=True) from None
    except Exception as exc:  # noqa: BLE001 - every driver has its own errors; the text says which
        texts = _chain_texts(exc, parts.password)
        text = " | ".join(texts)
        if _MISSING_DATABASE.search(text):
            raise DatabaseNotReadyError(
                f"database {name!r} does not exist on {where}: create it, then run `python -m app.cli migrate`", fatal=True
            ) from None
        detail = (texts[-1].splitlines() or [""])[0][:200]  # the driver's own words, at the bottom of the chain
        if _REFUSED.search(text):
            raise DatabaseNotReadyError(f"the database at {where} refused DB_URL's credentials ({detail})", fatal=True) from None
        # A server may still be starting; a SQLite file that cannot be opened will not open later either.
        fatal = parts.scheme == "sqlite"
        raise DatabaseNotReadyError(f"cannot reach the database at {where} ({detail})", fatal=fatal) from None
    if not has_tables:
        raise DatabaseNotReadyError(
            f"database {name!r} on {where} has no Trellis tables: run `python -m app.cli migrate` first", fatal=True
        )


def database_problem(
    db_url: str, connect_timeout: float, wait_seconds: float, table: str, on_wait: Callable[[str], None] = lambda _: None
) -> DatabaseNotReadyError | None:
    """None when the database can serve; else why not, after waiting up to ``wait_seconds`` for an unreachable one.

    ``on_wait`` hears the reason once, when the waiting starts.
    """
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            asyncio.run(check_database(db_url, connect_timeout, table))
            return None
        except DatabaseNotReadyError as problem:
            if problem.fatal or time.monotonic() >= deadline:
                return problem
            if not told:
                on_wait(str(problem))
                told = True
        time.sleep(RETRY_SECONDS)
