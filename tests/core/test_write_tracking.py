"""Every write made through Tortoise is noticed once, after it is committed; reads never are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from tortoise import connections
from tortoise.transactions import in_transaction

from app.core import write_tracking
from app.core.config import Settings
from app.core.database import SYSTEM_CONNECTION
from app.core.write_tracking import install_write_tracking, is_write_statement, set_listener
from tests import services
from tests.core.crud_models import Gadget, Tag, make_app, started


class Notices:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


@pytest.fixture
async def app(settings: Settings, backend: services.Backend) -> AsyncIterator[FastAPI]:
    async with started(make_app(settings), backend.name) as application:
        install_write_tracking()
        yield application


@pytest.fixture
def notices(app: FastAPI) -> Iterator[Notices]:
    listener = Notices()
    previous = set_listener(listener)
    yield listener
    set_listener(previous)


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("SELECT 1", False),
        ("  select * from t", False),
        ("PRAGMA foreign_keys=ON", False),
        ("SHOW TABLES", False),
        ("EXPLAIN SELECT 1", False),
        ("WITH RECURSIVE t(n) AS (SELECT 1) SELECT n FROM t", False),
        ("INSERT INTO t VALUES (1)", True),
        ("update t set a=1", True),
        ("DELETE FROM t", True),
        ("REPLACE INTO t VALUES (1)", True),
        ("CREATE TABLE t (a int)", True),
        ("TRUNCATE t", True),
        ("WITH x AS (SELECT 1) DELETE FROM t", True),
        ("VACUUM", True),  # not clearly a read: counted as a write
    ],
)
def test_statements_are_classified_by_their_first_keyword(sql: str, writes: bool) -> None:
    assert is_write_statement(sql) is writes


async def test_reads_are_never_noticed(notices: Notices) -> None:
    await Gadget.create(name="a", code="a")
    notices.count = 0
    await Gadget.all().count()
    await Gadget.filter(code="a").first()
    await Gadget.all().values_list("id", flat=True)
    await connections.get(SYSTEM_CONNECTION).execute_query("SELECT 1")
    async with in_transaction(SYSTEM_CONNECTION):
        await Gadget.all().count()
    assert notices.count == 0


async def test_each_write_outside_a_transaction_is_noticed_once(notices: Notices) -> None:
    gadget = await Gadget.create(name="a", code="a")
    assert notices.count == 1
    gadget.name = "b"
    await gadget.save()
    assert notices.count == 2
    await Gadget.filter(id=gadget.id).update(price=3)
    assert notices.count == 3
    await Gadget.bulk_create([Gadget(name="c", code="c"), Gadget(name="d", code="d")])
    assert notices.count == 4
    tag = await Tag.create(label="t")
    await gadget.tags.add(tag)
    assert notices.count == 6
    await Gadget.filter(code="c").delete()
    assert notices.count == 7
    await connections.get(SYSTEM_CONNECTION).execute_query("UPDATE t_gadgets SET price = 5")
    assert notices.count == 8


async def test_a_transaction_is_noticed_after_its_commit_not_before(notices: Notices) -> None:
    async with in_transaction(SYSTEM_CONNECTION):
        await Gadget.create(name="a", code="a")
        await Gadget.filter(code="a").update(price=2)
        assert notices.count == 0  # readers must not cache under a new version before the commit
    assert notices.count == 1
    assert await Gadget.filter(code="a", price=2).exists()


async def test_a_rolled_back_transaction_is_not_noticed(notices: Notices) -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction(SYSTEM_CONNECTION):
            await Gadget.create(name="a", code="a")
            raise RuntimeError("abort")
    assert notices.count == 0
    assert not await Gadget.filter(code="a").exists()


async def test_a_nested_transaction_is_noticed_once_after_the_outer_commit(notices: Notices) -> None:
    async with in_transaction(SYSTEM_CONNECTION) as outer:
        async with outer._in_transaction():
            await Gadget.create(name="a", code="a")
        assert notices.count == 0
        await Gadget.create(name="b", code="b")
    assert notices.count == 1
    assert await Gadget.all().count() == 2


async def test_writes_on_an_ignored_connection_are_not_noticed(notices: Notices, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write_tracking, "_ignored_connections", {SYSTEM_CONNECTION})
    await Gadget.create(name="a", code="a")
    async with in_transaction(SYSTEM_CONNECTION):
        await Gadget.create(name="b", code="b")
    assert notices.count == 0


async def test_installing_twice_wraps_nothing_more(app: FastAPI) -> None:
    assert install_write_tracking() == 0
