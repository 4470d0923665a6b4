"""Count the SQL statements the system connection runs inside a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tortoise import connections

from app.core.database import SYSTEM_CONNECTION

_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")


@dataclass
class Counter:
    count: int = 0


@contextmanager
def count_queries() -> Iterator[Counter]:
    counter = Counter()
    conn = connections.get(SYSTEM_CONNECTION)
    originals = {name: getattr(conn, name) for name in _METHODS}

    def wrap(func: Any) -> Any:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return await func(*args, **kwargs)

        return counted

    for name, func in originals.items():
        setattr(conn, name, wrap(func))
    try:
        yield counter
    finally:
        for name in originals:
            delattr(conn, name)
