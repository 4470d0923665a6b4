"""A request's SQL, logs and exceptions land in Radar under its request id, with no secrets."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.system.radar.models import RadarQuery, RadarRequest, RadarUserLog
from tests.system.radar.conftest import dump_all, flush

CANARY = "Canary-Pa55word-7d1f0e"


async def test_sql_and_log_are_recorded_with_the_request_id(radar_app: FastAPI, radar_client: httpx.AsyncClient) -> None:
    resp = await radar_client.post(
        "/api/v1/radar-probe/echo", json={"userName": "alice", "password": "x"}, headers={"X-Request-ID": "req-sql-0001"}
    )
    assert resp.json()["code"] == "0000"
    await flush(radar_app)
    row = await RadarRequest.get(x_request_id="req-sql-0001")
    assert (row.method, row.path, row.path_template, row.response_status, row.business_code) == (
        "POST",
        "/api/v1/radar-probe/echo",
        "/api/v1/radar-probe/echo",
        200,
        "0000",
    )
    assert row.duration_ms is not None and row.duration_ms > 0
    queries = await RadarQuery.filter(x_request_id="req-sql-0001")
    assert [q.sql_text for q in queries] == ["SELECT 1"]
    assert queries[0].operation == "SELECT" and queries[0].connection_name == "conn_system"
    logs = await RadarUserLog.filter(x_request_id="req-sql-0001")
    assert [(lg.level, lg.message) for lg in logs] == [("WARNING", "probe called")]
    assert logs[0].source is not None and logs[0].source.startswith("tests.system.radar.conftest.echo_with_sql:")


async def test_unhandled_exception_is_recorded_and_answered_as_1000(radar_app: FastAPI, radar_client: httpx.AsyncClient) -> None:
    resp = await radar_client.post("/api/v1/radar-probe/explode", json={"a": 1}, headers={"X-Request-ID": "req-boom-0001"})
    assert resp.status_code == 200 and resp.json()["code"] == "1000"
    assert "exploded" not in resp.text
    await flush(radar_app)
    row = await RadarRequest.get(x_request_id="req-boom-0001")
    assert row.error_type == "RuntimeError"
    assert row.error_message == "probe exploded"
    assert row.error_traceback is not None and "raise RuntimeError" in row.error_traceback
    assert row.response_status == 500
    assert [q.sql_text for q in await RadarQuery.filter(x_request_id="req-boom-0001")] == ["SELECT 2"]


async def test_canary_password_reaches_no_radar_row_and_no_log_line(
    radar_app: FastAPI, radar_client: httpx.AsyncClient, log_lines: list[str]
) -> None:
    headers = {"Authorization": f"Bearer {CANARY}", "Cookie": f"session={CANARY}", "X-Request-ID": "req-canary-01"}
    body = {"userName": "alice", "password": CANARY, "nested": {"refreshToken": CANARY, "items": [{"apiSecret": CANARY}]}}
    await radar_client.post("/api/v1/radar-probe/echo", json=body, headers=headers)
    await radar_client.post("/api/v1/radar-probe/explode", json=body, headers={**headers, "X-Request-ID": "req-canary-02"})
    await radar_client.post(f"/api/v1/radar-probe/echo?token={CANARY}", content=f"password={CANARY}", headers=headers)
    await flush(radar_app)
    rows = [*await RadarRequest.all(), *await RadarQuery.all(), *await RadarUserLog.all()]
    stored = dump_all(rows)
    assert "req-canary-01" in stored and "alice" in stored  # the rows exist and keep what is harmless
    assert CANARY not in stored
    assert "[REDACTED]" in stored
    assert log_lines, "the probe logs a line, so the sink must have seen something"
    assert not [line for line in log_lines if CANARY in line]


async def test_radar_off_captures_nothing(app_factory, backend) -> None:  # type: ignore[no-untyped-def]
    from tests.system.radar.conftest import start

    async for app in start(app_factory(RADAR_ENABLED=False), backend):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.post("/api/v1/radar-probe/echo", json={})).json()["code"] == "0000"
        assert not hasattr(app.state, "radar_writer")
        assert "conn_radar" not in app.state.tortoise_config["connections"]


async def test_a_system_route_is_stored_under_its_full_template(radar_app: FastAPI, radar_client: httpx.AsyncClient) -> None:
    """System routers are included lazily: the stored template is the full one, parameters named, not the router-local path."""
    await radar_client.post("/api/v1/system-manage/users/search", json={}, headers={"X-Request-ID": "req-tmpl-0001"})
    await radar_client.get("/api/v1/system-manage/roles/abc/menus", headers={"X-Request-ID": "req-tmpl-0002"})
    await flush(radar_app)
    search = await RadarRequest.get(x_request_id="req-tmpl-0001")
    assert (search.path_template, search.business_code) == ("/api/v1/system-manage/users/search", "2100")
    menus = await RadarRequest.get(x_request_id="req-tmpl-0002")
    assert (menus.path, menus.path_template) == ("/api/v1/system-manage/roles/abc/menus", "/api/v1/system-manage/roles/{role_id}/menus")
