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

import orjson
from redis.asyncio import Redis

from app.core.authz.keys import WRITE_SEQ_KEY, WRITTEN_KEY

__all__ = ["CHUNK", "take_ticket", "write_if_newer"]

#: Keys per script call: bounds how long one call blocks Redis (about 3 ms per 1000 keys).
CHUNK = 1000
#: Script calls sent per round trip (a start-up rebuild writes three keys per user).
PIPELINE_DEPTH = 4

# KEYS[1] = the ticket hash; ARGV[1] = ticket, ARGV[2] = a JSON array of the
# cache keys (distinct) and their ops, alternating: key, "=" .. value (SET) or
# "-" (DEL). Equal tickets pass, so one refresh may spread its keys over
# several calls. Returns the keys applied.
#
# The cache keys travel in one JSON argument rather than as KEYS: Trellis runs
# on one standalone Redis (no cluster), where a script may write keys it does
# not declare, and redis-py packs every argument in Python — 2,000 arguments
# per call cost the client more CPU than Redis spent writing them (300,000
# keys, what a start-up rebuild of 100,000 users writes: 2.2 s wall and 1.1 s
# of client CPU that way, 1.1 s and 0.1 s this way).
_SCRIPT = """
local ticket = tonumber(ARGV[1])
local ops = cjson.decode(ARGV[2])
local fields = {}
for i = 1, #ops, 2 do fields[#fields + 1] = ops[i] end
local last = redis.call('HMGET', KEYS[1], unpack(fields))
local sets, dels, marks = {}, {}, {}
for i = 1, #fields do
  if not last[i] or tonumber(last[i]) <= ticket then
    local op = ops[2 * i]
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


async def take_ticket(redis: Redis) -> int:
    """A new write ticket; take it after the caller's commit and before reading the database."""
    return int(await redis.incr(WRITE_SEQ_KEY))


async def write_if_newer(redis: Redis, ticket: int, ops: Mapping[str, str | None]) -> int:
    """SET (value) or DEL (None) each key unless a higher ticket wrote it; returns how many applied.

    One script call per ``CHUNK`` keys, ``PIPELINE_DEPTH`` calls per round
    trip (redis-py loads the script first when Redis lacks it). ``ops`` holds
    each key once (its final state for this refresh).
    """
    items = list(ops.items())
    script = redis.register_script(_SCRIPT)
    applied = 0
    per_trip = CHUNK * PIPELINE_DEPTH
    for trip in range(0, len(items), per_trip):
        async with redis.pipeline(transaction=False) as pipe:
            for start in range(trip, min(trip + per_trip, len(items)), CHUNK):
                await script(keys=[WRITTEN_KEY], args=[ticket, _ops_json(items[start : start + CHUNK])], client=pipe)
            applied += sum(int(count) for count in await pipe.execute())
    return applied


def _ops_json(chunk: list[tuple[str, str | None]]) -> bytes:
    return orjson.dumps([part for key, value in chunk for part in (key, "-" if value is None else "=" + value)])
