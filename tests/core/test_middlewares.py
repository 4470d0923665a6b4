"""Middlewares: request id, language, body limit, catch-all, CORS, background tasks."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from app.core.ctx import add_background_task, get_request_id
from app.core.middlewares import request_id_hex
from app.core.responses import Success
from app.core.schema import SchemaBase
from tests.core.bare import bare_app, client_for

LIMIT = 1024
done: list[str] = []


class Payload(SchemaBase):
    text: str


@pytest.fixture
def application() -> FastAPI:
    application = bare_app(MAX_BODY_BYTES=LIMIT, CORS_ORIGINS=["http://front.example"])

    @application.get("/test/request-id")
    async def read_request_id() -> Success:
        return Success(data={"requestId": get_request_id()})

    @application.get("/test/boom")
    async def explode() -> Success:
        raise RuntimeError("canary-secret-text in the exception")

    @application.post("/test/echo")
    async def echo(body: Payload) -> Success:
        return Success(data={"length": len(body.text)})

    @application.post("/test/raw")
    async def raw_length(request: Request) -> Success:
        return Success(data={"length": len(await request.body())})

    @application.get("/test/later")
    async def schedule_later() -> Success:
        add_background_task(done.append, get_request_id())
        return Success()

    return application


@pytest.fixture
async def client(application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(application) as http:
        yield http


async def test_a_sane_incoming_request_id_is_reused_and_stored_in_the_context(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/request-id", headers={"X-Request-ID": "trace-0001.abc"})
    assert response.headers["x-request-id"] == "trace-0001.abc"
    assert response.json()["data"] == {"requestId": "trace-0001.abc"}


@pytest.mark.parametrize("incoming", [None, "short", "has spaces in it", "x" * 65, "inject\u00e9-header-value", "a;b=c-12345678"])
async def test_a_missing_or_odd_request_id_is_replaced_by_a_generated_one(client: httpx.AsyncClient, incoming: str | None) -> None:
    headers = {"X-Request-ID": incoming.encode("utf-8")} if incoming else {}
    response = await client.get("/test/request-id", headers=headers)
    generated = response.headers["x-request-id"]
    assert generated != incoming and len(generated) == 32 and int(generated, 16) >= 0
    assert response.json()["data"] == {"requestId": generated}


async def test_each_request_gets_its_own_id_and_errors_carry_it_too(client: httpx.AsyncClient) -> None:
    first, second = await asyncio.gather(client.get("/test/request-id"), client.get("/test/request-id"))
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert (await client.get("/no/such/route")).headers.get("x-request-id")
    assert (await client.get("/test/boom")).headers.get("x-request-id")


async def test_a_route_raising_becomes_1000_without_exception_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/boom")
    assert response.status_code == 200
    assert response.json() == {"code": "1000", "msg": "Internal server error", "data": None}
    assert "canary" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text


async def test_accept_language_zh_picks_the_chinese_message(client: httpx.AsyncClient) -> None:
    zh = await client.get("/no/such/route", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert zh.json() == {"code": "1300", "msg": "接口不存在", "data": None}
    boom = await client.get("/test/boom", headers={"Accept-Language": "zh"})
    assert boom.json()["msg"] == "服务器内部错误"
    en = await client.get("/no/such/route", headers={"Accept-Language": "en-US,zh;q=0.5"})
    assert en.json()["msg"] == "Route not found"


async def test_a_declared_oversize_body_is_refused_with_1202(client: httpx.AsyncClient) -> None:
    response = await client.post("/test/echo", content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["code"] == "1202"


async def test_a_streamed_oversize_body_is_refused_with_1202(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * (LIMIT // 2)

    for path in ("/test/echo", "/test/raw"):
        response = await client.post(path, content=chunks(), headers={"Content-Type": "application/json"})
        assert "content-length" not in response.request.headers
        assert response.status_code == 200
        assert response.json()["code"] == "1202", path


async def test_a_body_at_the_limit_passes(client: httpx.AsyncClient) -> None:
    text = "z" * (LIMIT - len('{"text":""}'))
    response = await client.post("/test/echo", json={"text": text})
    assert response.json() == {"code": "0000", "msg": "OK", "data": {"length": len(text)}}


async def test_cors_allows_only_the_configured_origins(client: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = await client.options("/test/echo", headers={"Origin": "http://front.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "http://front.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    other = await client.options("/test/echo", headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
    simple = await client.get("/test/request-id", headers={"Origin": "http://front.example"})
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


async def test_background_tasks_run_after_the_response_with_the_request_context(client: httpx.AsyncClient) -> None:
    done.clear()
    response = await client.get("/test/later", headers={"X-Request-ID": "bg-task-0001"})
    assert response.json()["code"] == "0000"
    assert done == ["bg-task-0001"]


def test_add_background_task_outside_a_request_says_so() -> None:
    assert add_background_task(print) is False


def test_generated_request_ids_are_distinct_uuid7_hex() -> None:
    ids = [request_id_hex() for _ in range(2000)]
    assert len(set(ids)) == 2000
    for value in ids:
        parsed = uuid.UUID(hex=value)
        assert parsed.hex == value and parsed.version == 7 and parsed.variant == uuid.RFC_4122


def test_generated_request_ids_are_ordered_by_their_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = [request_id_hex() for _ in range(500)]
    after = time.time_ns() // 1_000_000
    stamps = [int(value[:12], 16) for value in ids]
    assert before <= stamps[0] and stamps[-1] <= after
    assert stamps == sorted(stamps)
    assert request_id_hex(1_000) < request_id_hex(1_001) < request_id_hex(2**47)
