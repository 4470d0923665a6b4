"""Version-checked cache writes: a key is written only by a ticket not lower than its last writer's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.core.authz.keys import WRITE_SEQ_KEY, WRITTEN_KEY
from app.core.authz.writes import CHUNK, PIPELINE_DEPTH, take_ticket, write_if_newer


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


async def test_tickets_increase(redis: Redis) -> None:
    first, second = await take_ticket(redis), await take_ticket(redis)
    assert second == first + 1
    assert await redis.get(WRITE_SEQ_KEY) == str(second)


async def test_a_lower_ticket_arriving_last_is_skipped_key_by_key(redis: Redis) -> None:
    old, new = await take_ticket(redis), await take_ticket(redis)
    assert await write_if_newer(redis, new, {"a": "new", "b": None}) == 2
    # The older refresh arrives last: its writes of a and b lose, its write of c (untouched since) lands.
    assert await write_if_newer(redis, old, {"a": "old", "b": "old", "c": "old"}) == 1
    assert await redis.mget("a", "b", "c") == ["new", None, "old"]
    assert await redis.hgetall(WRITTEN_KEY) == {"a": str(new), "b": str(new), "c": str(old)}


async def test_a_higher_ticket_overwrites_and_deletes(redis: Redis) -> None:
    old, new = await take_ticket(redis), await take_ticket(redis)
    await write_if_newer(redis, old, {"a": "old", "b": "old"})
    assert await write_if_newer(redis, new, {"a": "", "b": None}) == 2
    assert await redis.mget("a", "b") == ["", None]  # an empty string is a value, not a delete


async def test_one_ticket_spans_several_chunks(redis: Redis) -> None:
    ticket = await take_ticket(redis)
    ops: dict[str, str | None] = {f"k:{i}": str(i) for i in range(CHUNK * 2 + 5)}
    assert await write_if_newer(redis, ticket, ops) == len(ops)
    assert await write_if_newer(redis, ticket, {"k:0": "again"}) == 1  # the same refresh may write a key twice
    assert await redis.get("k:0") == "again"
    assert await redis.get(f"k:{CHUNK * 2 + 4}") == str(CHUNK * 2 + 4)
    assert await redis.hlen(WRITTEN_KEY) == len(ops)


async def test_writes_spanning_several_round_trips_all_land(redis: Redis) -> None:
    ticket = await take_ticket(redis)
    count = CHUNK * PIPELINE_DEPTH * 2 + 3
    ops: dict[str, str | None] = {f"k:{i}": f"v{i}" for i in range(count)}
    assert await write_if_newer(redis, ticket, ops) == count
    assert await redis.mget("k:0", f"k:{CHUNK * PIPELINE_DEPTH}", f"k:{count - 1}") == ["v0", f"v{CHUNK * PIPELINE_DEPTH}", f"v{count - 1}"]
    assert await redis.hlen(WRITTEN_KEY) == count


async def test_keys_and_values_cross_exactly_whatever_they_hold(redis: Redis) -> None:
    """Keys and values travel as JSON to the script: quotes, escapes, Unicode and JSON text come back byte for byte."""
    ticket = await take_ticket(redis)
    ops: dict[str, str | None] = {
        'k:"quoted"\\back': 'a "b" \\ c\n\t',
        "k:菜单": "首页 ✓",
        "k:json": '[{"menuName": "系统", "order": 1}]',
        "k:-": "-",
        "k:=": "=x",
    }
    assert await write_if_newer(redis, ticket, ops) == len(ops)
    assert await redis.mget(*ops) == list(ops.values())


async def test_the_script_survives_a_script_flush(redis: Redis) -> None:
    ticket = await take_ticket(redis)
    await write_if_newer(redis, ticket, {"a": "1"})
    await redis.script_flush()  # as after a Redis restart: EVALSHA misses, the script is loaded again
    assert await write_if_newer(redis, ticket, {"a": "2"}) == 1
    assert await redis.get("a") == "2"
