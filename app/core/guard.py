"""Rate limiting and auto-ban, counted in Redis so limits hold across workers and replicas.

Why not fastapi-guard's pipeline: in fastapi-guard 8.1.2 the request counters
live in Redis, but the *violation* counts that drive auto-ban are kept per
process (``middleware.suspicious_request_counts``), its managers are process
singletons, and it refuses to ban loopback and proxy addresses. With several
workers a client would get ``workers x threshold`` violations before a ban.
So the limiter is one Lua script (one round trip, atomic):

* a ban key ``guard:{ip}:ban`` short-circuits everything (code 2501);
* a fixed-window counter per client (``GUARD_RATE_LIMIT`` per
  ``GUARD_RATE_LIMIT_WINDOW`` s) and one per (client, endpoint) for endpoints
  with their own limit (login, captcha, code-login, refresh-token, plus the
  business modules' ``ENDPOINT_RATE_LIMITS``); over either → code 2500;
* each rejected request counts a violation (the count lives for
  ``GUARD_AUTO_BAN_DURATION`` s); reaching ``GUARD_AUTO_BAN_THRESHOLD`` sets
  the ban for ``GUARD_AUTO_BAN_DURATION`` s.

Leases: a round trip per request cost a worker a tenth of a cached request
(docs/performance.md), so for paths without an endpoint limit a worker takes
a slice of a client's window budget at once — ``GUARD_RATE_LIMIT //
GUARD_LEASE_PARTS`` requests, counted in Redis when taken — and serves that
many locally until the window ends. The global count never exceeds the limit
(a lease is granted from what is left, partially at the end), but a client
spread over several workers can be refused up to one unused slice per worker
early, and a ban set elsewhere reaches a worker once its slice is used. With
a slice of 1 (``GUARD_LEASE_PARTS=0``, or a limit below ``2 x`` the parts)
every request is counted in Redis, as before.

Answers are the envelope with HTTP 200 and a ``Retry-After`` header. When
Redis is unreachable the guard fails open (a WARNING at most once a minute):
an outage of the cache must not take the API down.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from loguru import logger
from redis.asyncio import Redis
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.client_ip import client_ip
from app.core.code import Code
from app.core.config import Settings
from app.core.redis import REDIS_ERRORS
from app.core.redis_mux import RedisMux
from app.core.responses import Fail

#: Auth endpoints with a stricter limit (against brute force and SMS pumping) -> the setting holding it.
AUTH_ENDPOINT_LIMITS: dict[str, str] = {
    "/api/v1/auth/login": "GUARD_LOGIN_RATE_LIMIT",
    "/api/v1/auth/captcha": "GUARD_AUTH_RATE_LIMIT",
    "/api/v1/auth/code-login": "GUARD_AUTH_RATE_LIMIT",
    "/api/v1/auth/refresh-token": "GUARD_AUTH_RATE_LIMIT",
}


def auth_endpoint_limits(settings: Settings) -> dict[str, tuple[int, int]]:
    """The stricter auth limits (requests, window seconds) from the GUARD_*_RATE_LIMIT settings."""
    window = settings.GUARD_AUTH_RATE_LIMIT_WINDOW
    return {path: (int(getattr(settings, setting)), window) for path, setting in AUTH_ENDPOINT_LIMITS.items()}


#: Paths never limited (probes must answer while a client is banned).
EXEMPT_PREFIXES: tuple[str, ...] = ("/health",)

ALLOWED, LIMITED, BANNED = 0, 1, 2

#: KEYS: ban, client window, (client, endpoint) window, violations.
#: ARGV: limit, window, endpoint limit, endpoint window, ban threshold, ban seconds, requests wanted.
#: Returns {verdict, retry-after s, requests granted, ms left in the client's window}.
_SCRIPT = """
local ttl = redis.call('TTL', KEYS[1])
if ttl ~= -2 then return {2, ttl, 0, 0} end
local limit, want = tonumber(ARGV[1]), tonumber(ARGV[7])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local grant = math.max(math.min(want, limit - used), 0)
redis.call('INCRBY', KEYS[2], math.max(grant, 1))
if used == 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
local over, retry = 0, 0
if grant == 0 then over = 1; retry = redis.call('TTL', KEYS[2]) end
if tonumber(ARGV[3]) > 0 then
  local e = redis.call('INCR', KEYS[3])
  if e == 1 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
  if e > tonumber(ARGV[3]) then
    over = 1
    local t = redis.call('TTL', KEYS[3])
    if t > retry then retry = t end
  end
end
if over == 0 then
  if grant > 1 then return {0, 0, grant, redis.call('PTTL', KEYS[2])} end
  return {0, 0, grant, 0}
end
local v = redis.call('INCR', KEYS[4])
if v == 1 then redis.call('EXPIRE', KEYS[4], ARGV[6]) end
if v >= tonumber(ARGV[5]) then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[6])
  redis.call('DEL', KEYS[4])
  return {2, tonumber(ARGV[6]), 0, 0}
end
return {1, retry, 0, 0}
"""

#: Clients whose unused slices a worker remembers; past this the oldest slice is forgotten (its requests count in Redis again).
MAX_LEASES = 10_000


class RateLimiter:
    """The Redis side of the guard; usable on its own (e.g. for WebSocket handshakes).

    Keeps this worker's leases: client address -> [requests left, monotonic end of the window].
    """

    def __init__(self, settings: Settings, endpoint_limits: Mapping[str, tuple[int, int]] | None = None) -> None:
        self.limit = settings.GUARD_RATE_LIMIT
        self.window = settings.GUARD_RATE_LIMIT_WINDOW
        self.threshold = settings.GUARD_AUTO_BAN_THRESHOLD
        self.ban_seconds = settings.GUARD_AUTO_BAN_DURATION
        self.prefix = settings.GUARD_KEY_PREFIX
        self.endpoint_limits: dict[str, tuple[int, int]] = {**auth_endpoint_limits(settings), **(endpoint_limits or {})}
        parts = settings.GUARD_LEASE_PARTS
        self.lease_size = max(self.limit // parts, 1) if parts else 1
        self._leases: dict[str, list[float]] = {}

    def keys(self, ip: str, path: str) -> list[str]:
        tag = f"{self.prefix}guard:{{{ip}}}"  # hash tag: one cluster slot per client
        return [f"{tag}:ban", f"{tag}:rate", f"{tag}:rate:{path}", f"{tag}:viol"]

    async def hit(self, redis: Redis | RedisMux, ip: str, path: str) -> tuple[int, int]:
        """Count one request; return (ALLOWED|LIMITED|BANNED, retry-after seconds)."""
        if self.leased(ip, path):
            return ALLOWED, 0
        return await self.count(redis, ip, path)

    async def count(self, redis: Redis | RedisMux, ip: str, path: str) -> tuple[int, int]:
        """Count one request in Redis (taking a new slice where leases apply), whatever this worker holds."""
        endpoint_limit, endpoint_window = self.endpoint_limits.get(path, (0, 0))
        want = 1 if endpoint_limit else self.lease_size
        args: list[Any] = [self.limit, self.window, endpoint_limit, endpoint_window, self.threshold, self.ban_seconds, want]
        keys = self.keys(ip, path)
        if isinstance(redis, RedisMux):
            reply = await redis.evalsha(_SCRIPT, keys, args)
        else:
            # A Script object per call: caching it per client by id() could hand it another client.
            reply = await redis.register_script(_SCRIPT)(keys=keys, args=args)
        verdict, retry, granted, window_ms = (int(value) for value in reply)
        if verdict == ALLOWED and granted > 1 and window_ms > 0:
            self._lease(ip, granted - 1, time.monotonic() + window_ms / 1000)
        return verdict, max(retry, 0)

    def leased(self, ip: str, path: str) -> bool:
        """Take one request from this worker's slice of the client's budget, if it holds one (no Redis)."""
        lease = self._leases.get(ip)
        if lease is None or path in self.endpoint_limits:
            return False
        if lease[0] >= 1 and time.monotonic() < lease[1]:
            lease[0] -= 1
            return True
        del self._leases[ip]
        return False

    def _lease(self, ip: str, requests: int, ends: float) -> None:
        """Keep a granted slice; concurrent grants for one client add up (none is thrown away)."""
        held = self._leases.pop(ip, None)
        if held is not None and held[1] > time.monotonic():
            requests += int(held[0])
            ends = min(ends, held[1])
        if len(self._leases) >= MAX_LEASES:
            del self._leases[next(iter(self._leases))]
        self._leases[ip] = [requests, ends]

    async def unban(self, redis: Redis, ip: str) -> None:
        """Lift a ban and forget the client's violations."""
        keys = self.keys(ip, "")
        await redis.delete(keys[0], keys[3])


class GuardMiddleware:
    """Pure-ASGI rate limiter in front of the routes (see module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limiter: RateLimiter | None = None
        self._warned_at = 0.0

    def _limiter_for(self, scope: Scope) -> RateLimiter:
        # Built on the first request so the business modules' limits are in app.state.
        if self.limiter is None:
            state = getattr(scope.get("app"), "state", None)
            extra = getattr(state, "endpoint_rate_limits", None) or {}
            self.limiter = RateLimiter(self.settings, extra)
        return self.limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope, self.settings.PROXY_HEADERS_ENABLED, self.settings.TRUSTED_HOSTS) or "unknown"
        limiter = self._limiter_for(scope)
        if limiter.leased(ip, path):
            await self.app(scope, receive, send)
            return
        state = getattr(scope.get("app"), "state", None)
        redis: Redis | RedisMux | None = getattr(state, "redis_mux", None) or getattr(state, "redis", None)
        verdict, retry = ALLOWED, 0
        if redis is not None:
            try:
                verdict, retry = await limiter.count(redis, ip, path)  # leased() said no slice is held
            except REDIS_ERRORS as exc:
                self._warn_fail_open(exc)
        if verdict == ALLOWED:
            await self.app(scope, receive, send)
            return
        code = Code.IP_BANNED if verdict == BANNED else Code.RATE_LIMITED
        if verdict == BANNED and retry == self.settings.GUARD_AUTO_BAN_DURATION:
            logger.warning("guard: {} banned for {} s after repeated rate-limit violations", ip, retry)
        headers = {"Retry-After": str(retry)} if retry > 0 else None
        await Fail(code=code, headers=headers)(scope, receive, send)

    def _warn_fail_open(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:
            self._warned_at = now
            logger.warning("guard: Redis unreachable ({}); requests pass unlimited", type(exc).__name__)


__all__ = ["AUTH_ENDPOINT_LIMITS", "EXEMPT_PREFIXES", "GuardMiddleware", "RateLimiter", "auth_endpoint_limits"]
