"""Tortoise configuration and connections.

System models live on connection ``conn_system`` / app ``app_system``; a
business module with its own ``DB_URL`` gets ``conn_<name>`` / ``app_<name>``.
Code that needs a transaction asks ``get_db_conn(Model)`` instead of naming a
connection.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

SYSTEM_APP = "app_system"
SYSTEM_CONNECTION = "conn_system"


@dataclass(frozen=True)
class OrmApp:
    """One Tortoise app: its models and the connection they live on."""

    name: str
    connection: str
    db_url: str
    modules: tuple[str, ...] = field(default_factory=tuple)
    #: False for an app that keeps its own tables (Radar's store): no migrations are made or applied for it.
    migrated: bool = True


def with_connection_defaults(db_url: str, connect_timeout: float) -> str:
    """Add pool/timeout defaults the URL does not already set."""
    parts = urlsplit(db_url)
    query = dict(parse_qsl(parts.query))
    scheme = parts.scheme
    if scheme in ("postgres", "asyncpg", "psycopg"):
        query.setdefault("minsize", "1")
        query.setdefault("maxsize", "10")
        query.setdefault("timeout", str(int(connect_timeout)))
    elif scheme == "mysql":
        query.setdefault("minsize", "1")
        query.setdefault("maxsize", "10")
        query.setdefault("connect_timeout", str(int(connect_timeout)))
        query.setdefault("charset", "utf8mb4")
        # ``contains`` is case-sensitive everywhere (the contract); MySQL casts to the connection collation.
        query.setdefault("init_command", "SET NAMES utf8mb4 COLLATE utf8mb4_bin")
    elif scheme == "sqlite":
        query.setdefault("journal_mode", "WAL")
        query.setdefault("case_sensitive_like", "ON")
        # Read through a memory map and keep up to 64 MiB of pages per connection: deep
        # OFFSET pages and counts on 100k rows otherwise pay a read() per 4 KiB page
        # (a 5,000-page deep page: 6.7 → 2.8 ms). Both are ceilings, not allocations.
        query.setdefault("mmap_size", str(256 * 1024 * 1024))
        query.setdefault("cache_size", str(-64 * 1024))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def build_tortoise_config(apps: list[OrmApp], *, timezone: str = "UTC", connect_timeout: float = 5.0) -> dict[str, Any]:
    """The ``TORTOISE_ORM`` dict for these apps (connections deduplicated by name)."""
    connections_cfg: dict[str, str] = {}
    apps_cfg: dict[str, dict[str, Any]] = {}
    for orm_app in apps:
        connections_cfg.setdefault(orm_app.connection, with_connection_defaults(orm_app.db_url, connect_timeout))
        apps_cfg[orm_app.name] = {"models": list(orm_app.modules), "default_connection": orm_app.connection}
        if not orm_app.migrated:
            apps_cfg[orm_app.name]["migrations"] = None  # Tortoise's own "no migrations" (app.core.migrate skips it)
    return {"connections": connections_cfg, "apps": apps_cfg, "use_tz": True, "timezone": timezone}


async def init_db(config: dict[str, Any]) -> None:
    """Initialise Tortoise for this process (visible to every task)."""
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


def get_db_conn(model: type[Model]) -> BaseDBAsyncClient:
    """The connection ``model`` lives on (use it for ``in_transaction``)."""
    return connections.get(model._meta.default_connection or SYSTEM_CONNECTION)


def all_models() -> list[type[Model]]:
    """Every registered model class across apps."""
    out: list[type[Model]] = []
    for app_models in Tortoise.apps.values():
        out.extend(app_models.values())
    return out


def patch_client_methods(
    names: Iterable[str],
    wrap: Callable[[str, Callable[..., Any]], Callable[..., Any]],
    marker: str,
    base: type[BaseDBAsyncClient] = BaseDBAsyncClient,
) -> int:
    """Replace each coroutine method ``names`` defined by a loaded client class (``base`` and below) by ``wrap(name, method)``.

    Idempotent per ``marker``: a method carrying it (``functools.wraps`` copies
    it through other wrappers) is left alone. Returns how many were wrapped.
    Radar's SQL capture and the page cache's write tracking both hook Tortoise here.
    """
    count = 0
    for cls in tortoise_client_classes():
        if not issubclass(cls, base):
            continue
        for name in names:
            method = cls.__dict__.get(name)
            if method is None or getattr(method, marker, False) or not inspect.iscoroutinefunction(method):
                continue
            wrapped = wrap(name, method)
            setattr(wrapped, marker, True)
            setattr(cls, name, wrapped)
            count += 1
    return count


def tortoise_client_classes() -> list[type[BaseDBAsyncClient]]:
    """Every loaded Tortoise client class (backends load theirs when a connection is configured)."""
    seen: list[type[BaseDBAsyncClient]] = []
    stack: list[type[BaseDBAsyncClient]] = [BaseDBAsyncClient]
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return seen
