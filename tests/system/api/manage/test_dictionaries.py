"""``/system-manage/dictionaries``: CRUD, unique (type, value), the 5-minute option cache."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.system.api.manage.conftest import Caller, login_as

pytestmark = pytest.mark.usefixtures("seeded")


def entry(dict_type: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"dictType": dict_type, "label": value.upper(), "value": value, **extra}


async def test_crud_search_and_unique_pair(su: Caller) -> None:
    a = (await su.ok("POST", "/dictionaries", entry("color", "red", order=2)))["createdId"]
    b = (await su.ok("POST", "/dictionaries", entry("color", "blue", order=1, remark="sky")))["createdId"]
    await su.ok("POST", "/dictionaries", entry("size", "red"))  # same value, other type: fine
    assert await su.code("POST", "/dictionaries", entry("color", "red")) == "2311"
    assert await su.code("PATCH", f"/dictionaries/{b}", {"value": "red"}) == "2311"
    assert await su.code("POST", "/dictionaries", entry("bad type!", "x")) == "1200"
    assert await su.code("POST", "/dictionaries", {"dictType": "t", "value": "x"}) == "1200"
    row = await su.ok("GET", f"/dictionaries/{b}")
    assert (row["dictType"], row["label"], row["value"], row["order"], row["status"], row["remark"]) == (
        "color",
        "BLUE",
        "blue",
        1,
        "1",
        "sky",
    )
    await su.ok("PATCH", f"/dictionaries/{b}", {"remark": None, "label": "Blue"})
    row = await su.ok("GET", f"/dictionaries/{b}")
    assert (row["remark"], row["label"]) == (None, "Blue")
    page = await su.ok("POST", "/dictionaries/search", {"dictType": "color"})
    assert [r["value"] for r in page["records"]] == ["blue", "red"] and page["total"] == 2
    page = await su.ok("POST", "/dictionaries/search", {"value": "e", "orderBy": ["-id"]})
    assert [r["value"] for r in page["records"]] == ["red", "blue", "red"]
    assert await su.code("POST", "/dictionaries/search", {"orderBy": ["remarkx"]}) == "1200"
    assert await su.ok("DELETE", "/dictionaries", {"ids": [a]}) == {"deletedCount": 1, "deletedIds": [a]}
    assert await su.code("DELETE", f"/dictionaries/{a}") == "1101"


async def test_options_are_cached_for_five_minutes_and_invalidated_by_writes(su: Caller, app: FastAPI) -> None:
    redis = app.state.redis
    red = (await su.ok("POST", "/dictionaries", entry("color", "red", order=2)))["createdId"]
    await su.ok("POST", "/dictionaries", entry("color", "blue", order=1))
    await su.ok("POST", "/dictionaries", entry("color", "off", status="2"))
    assert await su.ok("GET", "/dictionaries/color/options") == [{"label": "BLUE", "value": "blue"}, {"label": "RED", "value": "red"}]
    assert 290 <= await redis.ttl("dict_options:color") <= 300
    await redis.set("dict_options:color", '[{"label":"cached","value":"c"}]', ex=300)
    assert await su.ok("GET", "/dictionaries/color/options") == [{"label": "cached", "value": "c"}]  # served from Redis
    await su.ok("PATCH", f"/dictionaries/{red}", {"label": "Rouge"})
    assert await redis.exists("dict_options:color") == 0
    assert [o["label"] for o in await su.ok("GET", "/dictionaries/color/options")] == ["BLUE", "Rouge"]
    await su.ok("DELETE", f"/dictionaries/{red}")
    assert [o["value"] for o in await su.ok("GET", "/dictionaries/color/options")] == ["blue"]
    assert await su.ok("GET", "/dictionaries/unknown/options") == []


async def test_options_follow_permissions(su: Caller, client: Any) -> None:
    user = await login_as(client, "User")
    assert await user.code("GET", "/dictionaries/color/options") == "2201"
