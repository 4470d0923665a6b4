"""Long response bodies are stored once and read back as if they were in their rows."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import orjson
import pytest
from fastapi import FastAPI
from tortoise import connections

from app.system.radar import RADAR_CONNECTION, create_radar_tables
from app.system.radar import bodies as bodies_module
from app.system.radar.bodies import SHARED_BODY_MIN, store_bodies
from app.system.radar.models import RadarBody, RadarRequest
from app.system.radar.writer import prune
from tests.system.conftest import bearer
from tests.system.radar.conftest import flush

OLD = datetime(2000, 1, 1, tzinfo=UTC)


async def fetch_page(client: httpx.AsyncClient, request_id: str, rows: int = 20, msg: str = "page served") -> bytes:
    resp = await client.post("/api/v1/radar-probe/page", json={"rows": rows, "msg": msg}, headers={"X-Request-ID": request_id})
    assert resp.json()["code"] == "0000"
    return resp.content


async def test_a_repeated_long_body_is_stored_once_and_read_back(
    radar_app: FastAPI, radar_client: httpx.AsyncClient, super_token: str
) -> None:
    answers = [await fetch_page(radar_client, f"shared-{i:04d}") for i in range(3)]
    await flush(radar_app)
    assert len(answers[0]) >= SHARED_BODY_MIN and len(set(answers)) == 1
    rows = await RadarRequest.filter(x_request_id__startswith="shared-")
    refs = {row.response_body_ref for row in rows}
    assert len(rows) == 3 and len(refs) == 1 and None not in refs
    assert all(row.response_body is None for row in rows), "a shared body is not kept in the row as well"
    assert await RadarBody.filter(digest__in=refs).count() == 1

    auth = bearer(super_token)
    detail = (await radar_client.get("/__radar/api/requests/shared-0001", headers=auth)).json()["data"]
    assert orjson.loads(detail["responseBody"]) == orjson.loads(answers[1])
    assert "responseBodyRef" not in detail
    listed = (await radar_client.get("/__radar/api/requests", params={"path_filter": "radar-probe/page"}, headers=auth)).json()["data"]
    assert {r["xRequestId"]: r["businessMsg"] for r in listed["records"]} == dict.fromkeys(
        ["shared-0000", "shared-0001", "shared-0002"], "page served"
    )
    assert all("responseBodyRef" not in r for r in listed["records"])


async def test_short_bodies_stay_in_their_row(radar_app: FastAPI, radar_client: httpx.AsyncClient) -> None:
    await radar_client.post("/api/v1/radar-probe/echo", json={}, headers={"X-Request-ID": "inline-0001"})
    await flush(radar_app)
    row = await RadarRequest.get(x_request_id="inline-0001")
    assert row.response_body_ref is None
    assert orjson.loads(row.response_body or "")["data"] == {"seen": True}


async def test_prune_drops_bodies_only_pruned_rows_used(radar_app: FastAPI, radar_client: httpx.AsyncClient, super_token: str) -> None:
    await fetch_page(radar_client, "old-0001", rows=30)
    await fetch_page(radar_client, "kept-0001", rows=31)
    await flush(radar_app)
    old, kept = await RadarRequest.get(x_request_id="old-0001"), await RadarRequest.get(x_request_id="kept-0001")
    assert old.response_body_ref and kept.response_body_ref and old.response_body_ref != kept.response_body_ref
    # The old page was last seen long ago, with its request; the kept one is in use.
    await RadarRequest.filter(id=old.id).update(created_at=OLD)
    await RadarBody.filter(digest=old.response_body_ref).update(last_seen=OLD)

    await prune(retention_hours=24, max_rows=100_000)

    assert not await RadarRequest.filter(id=old.id).exists()
    assert not await RadarBody.filter(digest=old.response_body_ref).exists()
    detail = (await radar_client.get("/__radar/api/requests/kept-0001", headers=bearer(super_token))).json()["data"]
    assert len(orjson.loads(detail["responseBody"])["data"]["records"]) == 31


async def test_a_body_is_rewritten_only_to_refresh_it(radar_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "b" * SHARED_BODY_MIN
    await store_bodies({"refresh-digest-0001": text})
    await RadarBody.filter(digest="refresh-digest-0001").update(last_seen=OLD)

    await store_bodies({"refresh-digest-0001": text})
    assert (await RadarBody.get(digest="refresh-digest-0001")).last_seen == OLD, "written again within REFRESH_SECONDS"

    written = bodies_module._WRITTEN
    later = written.clock() + bodies_module.REFRESH_SECONDS
    monkeypatch.setattr(written, "clock", lambda: later)
    await store_bodies({"refresh-digest-0001": text})
    refreshed = await RadarBody.get(digest="refresh-digest-0001")
    assert refreshed.last_seen > OLD and refreshed.text == text
    assert await RadarBody.filter(digest="refresh-digest-0001").count() == 1


async def test_an_older_store_gains_the_reference_column(radar_app: FastAPI, radar_client: httpx.AsyncClient, super_token: str) -> None:
    conn = connections.get(RADAR_CONNECTION)
    await conn.execute_script("ALTER TABLE radar_requests DROP COLUMN response_body_ref")

    await create_radar_tables()

    await fetch_page(radar_client, "upgraded-0001")
    await flush(radar_app)
    assert radar_app.state.radar_writer.failed == 0
    detail = (await radar_client.get("/__radar/api/requests/upgraded-0001", headers=bearer(super_token))).json()["data"]
    assert orjson.loads(detail["responseBody"])["msg"] == "page served"
