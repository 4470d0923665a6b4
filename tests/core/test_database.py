"""Connection defaults: every SQLite connection reads through a memory map with a large page cache."""

from __future__ import annotations

from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite import SqliteClient

from app.core.database import OrmApp, build_tortoise_config


def test_sqlite_urls_get_the_read_pragmas_unless_they_set_their_own() -> None:
    config = build_tortoise_config(
        [OrmApp("a", "conn_a", "sqlite:///tmp/a.sqlite3", ()), OrmApp("b", "conn_b", "sqlite:///tmp/b.sqlite3?mmap_size=0", ())]
    )
    assert "mmap_size=268435456" in config["connections"]["conn_a"] and "cache_size=-65536" in config["connections"]["conn_a"]
    assert "mmap_size=0" in config["connections"]["conn_b"], "an explicit setting wins"


async def test_a_live_sqlite_connection_applies_them(tmp_path: Path) -> None:
    """Through Tortoise's own URL parsing and SQLite client, as the app's connections are made."""
    url = build_tortoise_config([OrmApp("p", "conn_p", f"sqlite://{tmp_path / 'p.sqlite3'}", ())])["connections"]["conn_p"]
    client = SqliteClient(connection_name="conn_p", **expand_db_url(url)["credentials"])
    await client.create_connection(with_db=True)
    try:
        _, mmap = await client.execute_query("PRAGMA mmap_size")
        _, cache = await client.execute_query("PRAGMA cache_size")
    finally:
        await client.close()
    assert mmap[0][0] == 268435456 and cache[0][0] == -65536
