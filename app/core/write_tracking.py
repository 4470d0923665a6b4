"""Notice every database write made through Tortoise, after it is committed.

The page cache (``app.core.page_cache``) is exact only if every write moves
the data version. Model methods, querysets, bulk operations and raw SQL all
end in a Tortoise client's ``execute_*`` methods, so those are wrapped (like
Radar's SQL capture): a write statement outside a transaction notifies at
once; inside one it marks the outermost transaction, which notifies after its
``commit`` returns, so no reader can cache the pre-commit rows under the new
version. Statements are classified by their first keyword; anything that is
not clearly a read counts as a write (a false write only costs a cache miss).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from loguru import logger
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

from app.core.database import patch_client_methods

Listener = Callable[[], Awaitable[None]]

_EXECUTE_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")
_ALWAYS_WRITES = frozenset({"execute_insert", "execute_many", "execute_script"})
_READ_KEYWORDS = ("SELECT", "PRAGMA", "SHOW", "EXPLAIN", "DESCRIBE", "SET", "SAVEPOINT", "RELEASE")
_DATA_CHANGING = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")
_MARK = "__trellis_write_tracked__"

_listener: list[Listener | None] = [None]
_ignored_connections: set[str] = set()
#: Open transactions (outermost clients) that wrote: they notify after their commit.
_dirty: weakref.WeakSet[BaseDBAsyncClient] = weakref.WeakSet()
#: Set while a tracked call runs, so a subclass method calling its base is counted once.
_IN_TRACKED: ContextVar[bool] = ContextVar("in_tracked_sql", default=False)


def is_write_statement(sql: str) -> bool:
    """False only for statements that cannot change data (SELECT, SHOW, PRAGMA…)."""
    head = sql.lstrip()[:12].upper()
    if head.startswith("WITH"):
        upper = sql.upper()
        return any(keyword in upper for keyword in _DATA_CHANGING)
    return not head.startswith(_READ_KEYWORDS)


def set_listener(listener: Listener | None) -> Listener | None:
    """Make ``listener`` the one coroutine called after each committed write; return the previous one."""
    previous, _listener[0] = _listener[0], listener
    return previous


def ignore_connection(name: str) -> None:
    """Writes on this connection never notify (e.g. Radar's own store)."""
    _ignored_connections.add(name)


def _outermost(client: BaseDBAsyncClient) -> BaseDBAsyncClient:
    root = client
    parent = getattr(root, "_parent", None)
    while isinstance(parent, TransactionalDBClient):
        root = parent
        parent = getattr(root, "_parent", None)
    return root


async def _notify() -> None:
    listener = _listener[0]
    if listener is None:
        return
    try:
        await listener()
    except Exception:  # noqa: BLE001 - the write itself succeeded; the listener degrades on its own
        logger.exception("write listener failed")


async def _wrote(client: BaseDBAsyncClient) -> None:
    if client.connection_name in _ignored_connections:
        return
    if isinstance(client, TransactionalDBClient) and not client._finalized:
        _dirty.add(_outermost(client))
        return
    await _notify()


def _wrap_execute(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    always = name in _ALWAYS_WRITES

    @functools.wraps(method)
    async def tracked(self: BaseDBAsyncClient, query: str, *args: Any, **kwargs: Any) -> Any:
        if _IN_TRACKED.get():
            return await method(self, query, *args, **kwargs)
        token = _IN_TRACKED.set(True)
        try:
            return await method(self, query, *args, **kwargs)
        finally:
            _IN_TRACKED.reset(token)
            if always or is_write_statement(query):
                await _wrote(self)  # also after a failure: a partly applied statement must not hide

    return tracked


def _wrap_commit(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def tracked_commit(self: BaseDBAsyncClient) -> None:
        try:
            await method(self)
        finally:
            if self in _dirty:
                _dirty.discard(self)
                await _notify()

    return tracked_commit


def _wrap_rollback(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def tracked_rollback(self: BaseDBAsyncClient) -> None:
        _dirty.discard(self)
        await method(self)

    return tracked_rollback


def install_write_tracking() -> int:
    """Wrap every loaded client class's execute/commit/rollback methods (idempotent); return how many."""
    count = patch_client_methods(_EXECUTE_METHODS, _wrap_execute, _MARK)
    count += patch_client_methods(("commit",), lambda _name, method: _wrap_commit(method), _MARK, base=TransactionalDBClient)
    return count + patch_client_methods(("rollback",), lambda _name, method: _wrap_rollback(method), _MARK, base=TransactionalDBClient)


__all__ = ["ignore_connection", "install_write_tracking", "is_write_statement", "set_listener"]
