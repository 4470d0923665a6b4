"""The Radar API: permission-gated, api.md §5 paths and payload shapes."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.system.conftest import bearer
from tests.system.radar.conftest import flush


async def record_traffic(app: FastAPI, client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/radar-probe/echo", json={"userName": "u"}, headers={"X-Request-ID": "api-echo-0001"})
    await client.post("/api/v1/radar-probe/explode", json={}, headers={"X-Request-ID": "api-boom-0001"})
    await flush(app)


async def test_radar_api_needs_a_token_and_a_grant(client: httpx.AsyncClient, user_token: str) -> None:
    assert (await client.get("/__radar/api/requests")).json()["code"] == "2100"
    assert (await client.get("/__radar/api/stats", headers=bearer(user_token))).json()["code"] in ("2201", "2207")


async def test_request_list_and_detail(app: FastAPI, radar_client: httpx.AsyncClient, super_token: str) -> None:
    await record_traffic(app, radar_client)
    auth = bearer(super_token)
    page = (await radar_client.get("/__radar/api/requests", params={"page_size": 50, "path_filter": "radar-probe"}, headers=auth)).json()
    assert page["code"] == "0000"
    assert {"total", "current", "size", "records"} <= page["data"].keys()
    ids = [r["xRequestId"] for r in page["data"]["records"]]
    assert ids[:2] == ["api-boom-0001", "api-echo-0001"]  # newest first
    echo = page["data"]["records"][1]
    assert echo["businessCode"] == "0000" and echo["businessMsg"] == "OK" and "fmtCreatedAt" in echo
    errors = (await radar_client.get("/__radar/api/requests", params={"has_error": True}, headers=auth)).json()["data"]
    assert [r["xRequestId"] for r in errors["records"]] == ["api-boom-0001"]
    detail = (await radar_client.get("/__radar/api/requests/api-echo-0001", headers=auth)).json()["data"]
    assert [q["sqlText"] for q in detail["queries"]] == ["SELECT 1"]
    assert [lg["message"] for lg in detail["user_logs"]] == ["probe called"]
    assert isinstance(detail["requestHeaders"], dict)
    missing = (await radar_client.get("/__radar/api/requests/nope", headers=auth)).json()
    assert missing["code"] == "4004"


async def test_queries_exceptions_and_resolve(app: FastAPI, radar_client: httpx.AsyncClient, super_token: str) -> None:
    await record_traffic(app, radar_client)
    auth = bearer(super_token)
    queries = (await radar_client.get("/__radar/api/queries", headers=auth)).json()["data"]
    probe = [q for q in queries["records"] if q["xRequestId"] == "api-echo-0001"]
    assert probe and probe[0]["requestPath"] == "/api/v1/radar-probe/echo" and probe[0]["requestMethod"] == "POST"
    durations = [q["durationMs"] for q in queries["records"]]
    assert durations == sorted(durations, reverse=True)
    exc = (await radar_client.get("/__radar/api/exceptions", params={"error_type": "Runtime"}, headers=auth)).json()["data"]
    assert [e["xRequestId"] for e in exc["records"]] == ["api-boom-0001"]
    assert exc["records"][0]["resolved"] is False and "errorTraceback" in exc["records"][0]
    resolved = await radar_client.put("/__radar/api/exceptions/api-boom-0001/resolve", json={"resolved": True}, headers=auth)
    assert resolved.json() == {"code": "0000", "msg": "OK", "data": None}
    left = (await radar_client.get("/__radar/api/exceptions", params={"resolved": False}, headers=auth)).json()["data"]
    assert "api-boom-0001" not in [e["xRequestId"] for e in left["records"]]
    not_error = await radar_client.put("/__radar/api/exceptions/api-echo-0001/resolve", json={"resolved": True}, headers=auth)
    assert not_error.json()["code"] == "4004"


async def test_stats_dashboard_and_purge(app: FastAPI, radar_client: httpx.AsyncClient, super_token: str) -> None:
    await record_traffic(app, radar_client)
    auth = bearer(super_token)
    stats = (await radar_client.get("/__radar/api/stats", params={"hours": 1}, headers=auth)).json()["data"]
    assert stats["request_count"] >= 2 and stats["error_count"] >= 1 and stats["query_count"] >= 2
    assert set(stats) == {
        "request_count",
        "avg_duration_ms",
        "error_count",
        "error_rate",
        "query_count",
        "slow_query_count",
        "user_log_count",
    }
    dash = (await radar_client.get("/__radar/api/dashboard", headers=auth)).json()["data"]
    for key in ("total_requests", "p50", "p95", "p99", "rps", "success_rate", "distribution", "response_time_trend", "query_activity"):
        assert key in dash
    assert dash["total_exceptions"] >= 1
    assert {"code": "1000", "count": 1} in dash["distribution"]
    assert dash["slowest_endpoints"] and dash["response_time_trend"][0]["time"].count(":") == 1
    purge = (await radar_client.delete("/__radar/api/purge", params={"retention_hours": 1}, headers=auth)).json()
    assert purge["code"] == "0000" and purge["data"] == {"deleted_count": 0}  # everything is younger than an hour


async def test_monitor_overview_and_realtime(radar_client: httpx.AsyncClient, super_token: str) -> None:
    auth = bearer(super_token)
    overview = (await radar_client.get("/__radar/api/monitor/overview", headers=auth)).json()["data"]
    assert {"basic_info", "cpu", "memory", "disk_io", "network_io", "system_status", "top_processes"} <= overview.keys()
    assert overview["system_status"]["redis"]["ok"] is True
    assert "conn_system" in overview["system_status"]["db_pool"]
    assert overview["basic_info"]["event_loop"] == type(asyncio.get_running_loop()).__module__.split(".")[0]
    realtime = (await radar_client.get("/__radar/api/monitor/realtime", headers=auth)).json()["data"]
    assert "timestamp" in realtime and "basic_info" not in realtime
