"""Rate limits, per-endpoint limits, auto-ban and its expiry, all counted in Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import FastAPI

from app.core.redis import create_redis
from app.core.redis_mux import RedisMux
from tests import services
from tests.system.guard.conftest import client_from, guarded_app

#: Any non-exempt path: it passes the guard and then answers "route not found".
PROBE = "/api/v1/guard-probe"
PASS = "1300"


async def codes(app: FastAPI, ip: str, path: str, n: int, method: str = "GET", headers: dict[str, str] | None = None) -> list[str]:
    async with client_from(app, ip) as http:
        out = []
        for _ in range(n):
            resp = await http.request(method, path, headers=headers)
            assert resp.status_code == 200
            out.append(resp.json()["code"])
        return out


async def test_global_limit_trips_after_the_configured_count(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(app_factory, backend, GUARD_RATE_LIMIT=5) as app:
        assert await codes(app, "198.51.100.1", PROBE, 7) == [PASS] * 5 + ["2500"] * 2
        async with client_from(app, "198.51.100.1") as http:
            limited = await http.get(PROBE)
        assert 0 < int(limited.headers["retry-after"]) <= 60
        assert limited.json()["msg"] == "Too many requests"
        # Another client has its own budget; bare /health probes are never limited.
        assert await codes(app, "198.51.100.2", PROBE, 1) == [PASS]
        async with client_from(app, "198.51.100.1") as http:
            assert (await http.get("/health")).json() == {"status": "ok"}
            assert (await http.get("/health/live")).json()["code"] == "0000"


async def test_login_has_a_stricter_default_limit(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(app_factory, backend, GUARD_RATE_LIMIT=50) as app:
        got = await codes(app, "198.51.100.3", "/api/v1/auth/login", 6, method="POST")
        assert got[:5].count("2500") == 0 and got[5] == "2500"
        assert await codes(app, "198.51.100.3", PROBE, 1) == [PASS]


async def test_business_endpoint_limits_come_from_app_state(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(app_factory, backend, GUARD_RATE_LIMIT=50) as app:
        app.state.endpoint_rate_limits = {"/api/v1/business/demo/export": (2, 60)}
        got = await codes(app, "198.51.100.4", "/api/v1/business/demo/export", 3)
        assert got[2] == "2500" and "2500" not in got[:2]


async def test_repeated_violations_ban_and_the_ban_expires(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(
        app_factory, backend, GUARD_RATE_LIMIT=1, GUARD_RATE_LIMIT_WINDOW=1, GUARD_AUTO_BAN_THRESHOLD=2, GUARD_AUTO_BAN_DURATION=2
    ) as app:
        assert await codes(app, "198.51.100.5", PROBE, 3) == [PASS, "2500", "2501"]
        assert await codes(app, "198.51.100.5", "/api/v1/auth/login", 1, method="POST") == ["2501"]
        assert await codes(app, "198.51.100.6", PROBE, 1) == [PASS]
        await asyncio.sleep(2.3)
        assert await codes(app, "198.51.100.5", PROBE, 1) == [PASS]


async def test_counters_live_in_redis(app_factory: Callable[..., FastAPI], backend: services.Backend, redis_url: str) -> None:
    async with guarded_app(app_factory, backend) as app:
        await codes(app, "198.51.100.7", PROBE, 1)
        redis = create_redis(redis_url)
        try:
            assert await redis.get("guard:{198.51.100.7}:rate") == "1"
        finally:
            await redis.aclose()


async def test_redis_outage_fails_open(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(app_factory, backend, GUARD_RATE_LIMIT=1) as app:
        real, real_mux = app.state.redis, app.state.redis_mux
        app.state.redis = create_redis("redis://127.0.0.1:1/0", socket_timeout=0.5)
        app.state.redis_mux = RedisMux.from_url("redis://127.0.0.1:1/0", timeout=0.5)
        try:
            assert await codes(app, "198.51.100.8", PROBE, 3) == [PASS] * 3
        finally:
            await app.state.redis.aclose()
            app.state.redis, app.state.redis_mux = real, real_mux


async def test_spoofed_forwarded_for_from_untrusted_peer_is_ignored(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(app_factory, backend, GUARD_RATE_LIMIT=3, PROXY_HEADERS_ENABLED=True, TRUSTED_HOSTS=["10.0.0.1"]) as app:
        async with client_from(app, "203.0.113.9") as http:
            got = [(await http.get(PROBE, headers={"X-Forwarded-For": f"192.0.2.{i}"})).json()["code"] for i in range(5)]
        assert got == [PASS] * 3 + ["2500"] * 2
        # Through the trusted proxy each forwarded client has its own budget.
        async with client_from(app, "10.0.0.1") as http:
            got = [(await http.get(PROBE, headers={"X-Forwarded-For": f"192.0.2.{i}"})).json()["code"] for i in range(5)]
        assert got == [PASS] * 5


async def test_forwarded_for_is_ignored_when_proxy_headers_are_off(app_factory: Callable[..., FastAPI], backend: services.Backend) -> None:
    async with guarded_app(app_factory, backend, GUARD_RATE_LIMIT=2, PROXY_HEADERS_ENABLED=False, TRUSTED_HOSTS=["127.0.0.1"]) as app:
        async with client_from(app, "127.0.0.1") as http:
            got = [(await http.get(PROBE, headers={"X-Forwarded-For": f"192.0.2.{i}"})).json()["code"] for i in range(3)]
        assert got == [PASS, PASS, "2500"]
