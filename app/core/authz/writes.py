"""Version-checked writes of the permission cache keys (no lock).

Two refreshes of the same data can each commit, read the database and write
Redis in the order read A, read B, write B, write A, which would leave the
cache on A's older state. So every refresh first takes a *ticket*
(``INCR authz:write_seq``) after its caller's commit and before its database
read: a higher ticket's read saw every commit a lower ticket's read saw. The
writes then go through one Lua script that applies each SET/DEL only if the
ticket is not lower than the one that last wrote that key (kept in the hash
``authz:written``, field = key), so a stale write is skipped key by key and the
newest read always ends up in Redis, whatever order the writes arrive in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from app.core.authz.keys import WRITE_SEQ_KEY, WRITTEN_KEY

__all__ = ["CHUNK", "take_ticket", "write_if_newer"]

#: Keys per script call: bounds how long one call blocks Redis (about 1 ms per 1000 keys).
CHUNK = 1000

# KEYS[1] = the ticket hash, KEYS[2..] = cache keys (distinct); ARGV[1] = ticket,
# ARGV[i] = "=" .. value (SET) or "-" (DEL) for KEYS[i]. Equal tickets pass, so
# one refresh may spread its keys over several calls. Returns the keys applied.
_SCRIPT = """
local ticket = tonumber(ARGV[1])
local fields = {}
for i = 2, #KEYS do fields[i - 1] = KEYS[i] end
local last = redis.call('HMGET', KEYS[1], unpack(fields))
local sets, dels, marks = {}, {}, {}
for i = 1, #fields do
  if not last[i] or tonumber(last[i]) <= ticket then
    local op = ARGV[i + 1]
    if op == '-' then
      dels[#dels + 1] = fields[i]
    else
      sets[#sets + 1] = fields[i]
      sets[#sets + 1] = string.sub(op, 2)
    end
    marks[#marks + 1] = fields[i]
    marks[#marks + 1] = ARGV[1]
  end
end
if #sets > 0 then redis.call('MSET', unpack(sets)) end
if #dels > 0 then redis.call('DEL', unpack(dels)) end
if #marks > 0 then redis.call('HSET', KEYS[1], unpack(marks)) end
return #marks / 2
"""


async def _run_script(redis: Redis, keys: list[str], args: list[Any]) -> Any:
    """redis-py's Script: EVALSHA, loaded on a miss (first use, Redis restart, SCRIPT FLUSH)."""
    return await redis.register_script(_SCRIPT)(keys=keys, args=args)


async def take_ticket(redis: Redis) -> int:
    """A new write ticket; take it after the caller's commit and before reading the database."""
    return int(await redis.incr(WRITE_SEQ_KEY))


async def write_if_newer(redis: Redis, ticket: int, ops: Mapping[str, str | None]) -> int:
    """SET (value) or DEL (None) each key unless a higher ticket wrote it; returns how many applied.

    One script call per ``CHUNK`` keys. ``ops`` holds each key once (its final
    state for this refresh).
    """
    items = list(ops.items())
    applied = 0
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        keys = [WRITTEN_KEY, *(key for key, _ in chunk)]
        args: list[Any] = [ticket, *("-" if value is None else "=" + value for _, value in chunk)]
        applied += int(await _run_script(redis, keys, args))
    return applied
