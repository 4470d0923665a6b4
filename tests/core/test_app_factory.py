"""The app factory builds a working app whose every answer is an envelope."""

from __future__ import annotations

import httpx
import pytest

from app import create_app
from app.core.config import Settings


async def test_health_is_bare_and_live_is_enveloped(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    body = (await client.get("/health/live")).json()
    assert body == {"code": "0000", "msg": "OK", "data": {"status": "ok"}}


async def test_unknown_route_and_method_have_their_own_codes(client: httpx.AsyncClient) -> None:
    missing = await client.get("/no/such/route")
    assert missing.status_code == 200
    assert missing.json()["code"] == "1300"
    wrong_method = await client.delete("/health/live")
    assert wrong_method.json()["code"] == "1301"


async def test_request_id_is_generated_or_reused(client: httpx.AsyncClient) -> None:
    generated = await client.get("/health/live")
    assert len(generated.headers["x-request-id"]) == 32
    reused = await client.get("/health/live", headers={"X-Request-ID": "abc-12345678"})
    assert reused.headers["x-request-id"] == "abc-12345678"
    rejected = await client.get("/health/live", headers={"X-Request-ID": "bad id with spaces"})
    assert rejected.headers["x-request-id"] != "bad id with spaces"


@pytest.mark.parametrize("enabled", [False, True])
def test_fastapi_telemetry_follows_the_setting(settings: Settings, enabled: bool) -> None:
    app = create_app(settings.model_copy(update={"TELEMETRY_ENABLED": enabled}))
    config = app._telemetry  # FastAPI's native OpenTelemetry switches
    assert (config["tracing"], config["metrics"], config["logs"]) == (enabled, enabled, enabled)
