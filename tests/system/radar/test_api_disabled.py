"""With RADAR_ENABLED=false the Radar endpoints still answer (empty data), never 404."""

from __future__ import annotations

import httpx

from tests.system.conftest import bearer

RADAR_ENABLED = False


async def test_disabled_radar_answers_empty_data(client: httpx.AsyncClient, super_token: str) -> None:
    auth = bearer(super_token)
    page = await client.get("/__radar/api/requests", headers=auth)
    assert page.status_code == 200
    assert page.json()["data"] == {"total": 0, "current": 1, "size": 20, "records": []}
    assert (await client.get("/__radar/api/queries", headers=auth)).json()["data"]["records"] == []
    assert (await client.get("/__radar/api/exceptions", headers=auth)).json()["data"]["total"] == 0
    assert (await client.get("/__radar/api/stats", headers=auth)).json()["data"]["request_count"] == 0
    assert (await client.get("/__radar/api/dashboard", headers=auth)).json()["data"]["total_requests"] == 0
    assert (await client.delete("/__radar/api/purge", headers=auth)).json()["data"] == {"deleted_count": 0}
    assert (await client.get("/__radar/api/requests/x", headers=auth)).json()["code"] == "4004"
