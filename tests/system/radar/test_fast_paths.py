"""Radar's shortcuts store exactly what the plain path stores.

The body memo, the per-statement secret verdicts, the one-join body capture
and the writer's column plan only save work: each is checked here against the
straightforward computation it replaces.
"""

from __future__ import annotations

import asyncio
import importlib
from datetime import datetime
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send
from tortoise.exceptions import ValidationError
from tortoise.models import Model

from app.system.radar import middleware as middleware_module
from app.system.radar.middleware import RadarMiddleware, should_capture
from app.system.radar.models import RadarQuery, RadarRequest, RadarUserLog
from app.system.radar.redact import (
    REDACTED,
    BodyMemo,
    redact_body,
    redact_headers,
    redact_raw_headers,
    redact_sql_params,
    sql_names_secret,
)
from app.system.radar.rows import request_row as build_row
from app.system.radar.writer import RadarRecord, _plan
from tests.conftest import base_settings
from tests.system.radar.conftest import raw_request, request_row

# The package exports the function ``redact``, which shadows the module of the same name.
redact_module = importlib.import_module("app.system.radar.redact")

CANARY = "Canary-Pa55word-7d1f0e"
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def fresh(raw: bytes, content_type: str = "", limit: int = 65536) -> str | None:
    """The redaction without any memo."""
    return redact_module._redact_body(raw, content_type, limit) if raw else None


def page(name: str = "alice", rows: int = 10) -> bytes:
    records = [{"id": i, "userName": name, "password": HASH, "refreshToken": CANARY, "note": "x" * 40} for i in range(rows)]
    return orjson.dumps({"code": "0000", "msg": "OK", "data": {"records": records, "total": rows}})


BODIES: list[tuple[bytes, str, int]] = [
    (page(), "application/json", 65536),
    (page("alicf"), "application/json", 65536),  # one byte apart from the first
    (page(), "application/json", 300),  # truncated
    (page(), "application/json", 299),  # truncated one char earlier
    (f"userName=bob&password={CANARY}".encode(), "application/x-www-form-urlencoded", 65536),
    (f"userName=bob&password={CANARY}".encode(), "text/plain", 65536),  # not a form: dropped whole
    (b"plain text \xff\xfe not utf-8", "text/plain", 65536),
    (b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--", "multipart/form-data; boundary=b", 65536),
    (b'{"token": "' + CANARY.encode() + b'"}', "application/json", 65536),
    (b'"' + HASH.encode() + b'"', "application/json", 65536),
    (b"[1, 2, 3]", "application/json", 2),
]


@pytest.mark.parametrize(("raw", "content_type", "limit"), BODIES)
def test_a_memoised_body_is_exactly_a_fresh_redaction(raw: bytes, content_type: str, limit: int) -> None:
    expected = fresh(raw, content_type, limit)
    assert redact_body(raw, content_type, limit) == expected
    assert redact_body(bytes(bytearray(raw)), content_type, limit) == expected  # a hit, from equal bytes
    assert CANARY not in (expected or "")


def test_bodies_one_byte_apart_never_share_an_entry() -> None:
    memo = BodyMemo()
    texts = {(raw, ct, limit): memo.redact(raw, ct, limit) for raw, ct, limit in BODIES}
    for raw, ct, limit in reversed(BODIES):
        assert memo.redact(raw, ct, limit) == fresh(raw, ct, limit)
    first, second = page("alice"), page("alicf")
    full = texts[(first, "application/json", 65536)]
    assert full != texts[(second, "application/json", 65536)]
    assert full != texts[(first, "application/json", 300)] != texts[(first, "application/json", 299)]
    assert memo.redact(first, "text/plain", 65536) == full  # JSON does not depend on the declared type


def test_the_memo_is_bounded_by_entries_and_bytes() -> None:
    memo = BodyMemo(max_entries=3, max_bytes=10_000)
    for i in range(10):
        memo.redact(orjson.dumps({"i": i}), "application/json", 100)
    assert len(memo._items) == 3 and memo.size == sum(len(key[0]) for key in memo._items)
    memo.redact(orjson.dumps({"i": 7}), "application/json", 100)  # a hit becomes the newest
    memo.redact(orjson.dumps({"i": 10}), "application/json", 100)
    assert [orjson.loads(key[0])["i"] for key in memo._items] == [9, 7, 10]
    big = b'{"a":"' + b"x" * 6000 + b'"}'
    memo.redact(big, "application/json", 65536)
    memo.redact(big.replace(b"x", b"y"), "application/json", 65536)
    assert memo.size <= 10_000 and len(memo._items) <= 3


def test_large_bodies_skip_the_memo() -> None:
    raw = orjson.dumps({"blob": "z" * (redact_module.MEMO_MAX_BODY + 1)})
    before = len(redact_module._BODY_MEMO._items)
    assert redact_body(raw, "application/json", 1000) == fresh(raw, "application/json", 1000)
    assert len(redact_module._BODY_MEMO._items) == before


SQLS = [
    'SELECT "id","user_name","password" FROM "users" WHERE "id"=?',
    'SELECT "id","user_name" FROM "users" WHERE "id"=?',
    'UPDATE "users" SET "token_version"=? WHERE "id"=?',
    "INSERT INTO api_keys (ApiKey) VALUES (?)",
    "select 1",
]


@pytest.mark.parametrize("sql", SQLS)
def test_the_secret_verdict_of_a_statement_is_the_regex_verdict(sql: str) -> None:
    expected = redact_module._SECRET_SQL.search(sql) is not None
    assert sql_names_secret(sql) is expected
    assert sql_names_secret("".join(sql)) is expected  # from the cache
    params = ["bob", HASH, 3]
    assert redact_sql_params(sql, params) == ([REDACTED] * 3 if expected else ["bob", REDACTED, 3])


def test_the_statement_cache_is_bounded() -> None:
    for i in range(redact_module._SQL_VERDICTS_MAX + 10):
        sql_names_secret(f"SELECT {i}")
    assert len(redact_module._SQL_VERDICTS) <= redact_module._SQL_VERDICTS_MAX
    long_sql = "SELECT " + "x," * redact_module._SQL_VERDICT_MAX_CHARS + "password"
    assert sql_names_secret(long_sql) is True and long_sql not in redact_module._SQL_VERDICTS


RAW_HEADERS = [
    (b"host", b"t"),
    (b"authorization", b"Bearer " + CANARY.encode()),
    (b"Cookie", b"s=" + CANARY.encode()),
    (b"X-Api-Key", CANARY.encode()),
    (b"x-note", b"caf\xe9"),
    (b"x-note", b"second wins"),
    (b"set-cookie", b"s=1"),
]


def test_raw_headers_are_redacted_like_decoded_ones() -> None:
    expected = redact_headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in RAW_HEADERS)
    for _ in range(2):  # the second time from the name cache
        got = redact_raw_headers(RAW_HEADERS)
        assert got == expected and list(got) == list(expected)
    assert CANARY not in repr(got) and got["x-note"] == "second wins"
    assert redact_raw_headers([(bytearray(b"Authorization"), b"x")]) == {"Authorization": REDACTED}


class _Writer:
    def __init__(self) -> None:
        self.records: list[RadarRecord] = []

    def submit(self, record: RadarRecord) -> bool:
        self.records.append(record)
        return True


async def _capture(chunks: list[bytes], request_chunks: list[bytes], limit: int = 65536, *, keep_response: bool = True) -> dict[str, Any]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})

    pending = list(request_chunks)

    async def receive() -> Message:
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        return None

    writer = _Writer()
    settings = base_settings(RADAR_MAX_BODY_SIZE=limit, RADAR_CAPTURE_RESPONSE_BODY=keep_response)
    middleware = RadarMiddleware(app, settings, writer)  # type: ignore[arg-type]  # a stub that keeps what is submitted
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/x",
        "headers": [],
        "query_string": b"",
        "state": {},
        "client": ("1.2.3.4", 9),
    }
    await middleware(scope, receive, send)
    return build_row(writer.records[0].request, limit)


async def test_a_body_sent_in_chunks_is_stored_as_one() -> None:
    body = page()
    parts = [body[:100], b"", bytearray(body[100:2000]), body[2000:]]
    row = await _capture(parts, [b'{"userName":', b'"bob","password":"' + CANARY.encode() + b'"}'])
    assert row["response_body"] == fresh(body, "application/json")
    assert row["request_body"] == fresh(b'{"userName":"bob","password":"' + CANARY.encode() + b'"}', "application/json")
    assert row["business_code"] == "0000" and row["response_status"] == 200


async def test_the_business_code_is_kept_whether_or_not_the_body_is() -> None:
    """The worker reads the code only when the body is not kept; otherwise the store reads it from the body."""
    body = page()
    kept = await _capture([body], [])
    dropped = await _capture([body], [], keep_response=False)
    assert (kept["business_code"], kept["response_body"] is not None) == ("0000", True)
    assert (dropped["business_code"], dropped["response_body"]) == ("0000", None)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/x",
        "/health",
        "/health/live",
        "/__radar/api/requests",
        "/api/v1/auth/login",
        "/api/v1/auth/user-info",
        "/__radar/api/_boom",
        "",
    ],
)
def test_the_remembered_path_verdict_is_should_capture(path: str) -> None:
    for _ in range(2):  # first computed, then remembered
        assert middleware_module._captured(path) is should_capture(path)


def test_the_path_verdicts_are_bounded() -> None:
    for i in range(middleware_module._MAX_VERDICTS + 10):
        middleware_module._captured(f"/api/v1/items/{i}")
    assert 0 < len(middleware_module._VERDICTS) <= middleware_module._MAX_VERDICTS


async def test_capture_stops_after_the_cap_as_before() -> None:
    limit = 100
    cap = limit * 2 + 1024
    chunk = b"y" * 500
    row = await _capture([chunk] * 10, [])
    assert row["response_body"] == fresh(chunk * 10, "application/json")
    row = await _capture([chunk] * 10, [], limit=limit)
    kept = -(-cap // len(chunk)) * len(chunk)  # whole chunks until the cap is reached
    assert row["response_body"] == fresh(chunk * (kept // len(chunk)), "application/json", limit)
    assert row["response_body"].endswith(f"... [truncated {kept - limit} chars]")


def _reference(model: type[Model], row: dict[str, Any]) -> list[Any]:
    """The conversion the plan replaces: every column through ``to_db_value``."""
    db = model._meta.db
    executor = db.executor_class(model=model, db=db)
    out = []
    for name in executor.regular_columns:
        field = model._meta.fields_map[name]
        value = row[name] if name in row else (field.default() if callable(field.default) else field.default)
        out.append(field.to_db_value(value, model))
    return out


ROW_VARIANTS = [
    {},
    {"duration_ms": 2, "client_port": True, "resolved": True, "x_request_id": 5},  # other types are converted as before
    {"user_name": "n" * 255, "path": "p" * 500},  # at the limit
    {"request_headers": None, "response_headers": []},
    {"request_headers": '{"a":1}', "response_headers": {"ü": ["x", 1, None]}},  # JSON text is checked, containers encoded
    {"created_at": datetime(2026, 1, 2, 3, 4, 5)},  # naive
]


@pytest.mark.filterwarnings("ignore:DateTimeField created_at received a naive datetime")
@pytest.mark.parametrize("changes", ROW_VARIANTS)
async def test_the_column_plan_converts_like_to_db_value(radar_app: FastAPI, changes: dict[str, Any]) -> None:
    row = request_row(**changes)
    assert _plan(RadarRequest).values(row) == _reference(RadarRequest, row)
    query = {"sql_text": "SELECT 1", "params": None, "operation": "SELECT", "duration_ms": 0.1, "connection_name": "c"}
    parent = {"created_at": row["created_at"], "x_request_id": "plan-0001"}
    assert _plan(RadarQuery).values(query, parent) == _reference(RadarQuery, {**query, **parent})
    log = {"level": "INFO", "message": "m", "data": None, "source": None, "offset_ms": 1}
    assert _plan(RadarUserLog).values(log, parent) == _reference(RadarUserLog, {**log, **parent})


@pytest.mark.parametrize("changes", [{"user_name": "n" * 256}, {"method": None}, {"method": "M" * 11}])
async def test_the_column_plan_rejects_what_to_db_value_rejects(radar_app: FastAPI, changes: dict[str, Any]) -> None:
    row = request_row(**changes)
    with pytest.raises(ValidationError) as reference:
        _reference(RadarRequest, row)
    with pytest.raises(ValidationError) as planned:
        _plan(RadarRequest).values(row)
    assert str(planned.value) == str(reference.value)


async def test_records_still_land_whole_in_the_store(radar_app: FastAPI) -> None:
    writer = radar_app.state.radar_writer
    for i in range(3):
        queries = [
            {
                "sql_text": f"SELECT {i}",
                "params": "[1]",
                "operation": "SELECT",
                "duration_ms": 0.2,
                "connection_name": "c",
                "start_offset_ms": 0.1,
            }
        ]
        logs = [{"level": "INFO", "message": f"log {i}", "data": None, "source": "m.f:1", "offset_ms": 0.3}]
        writer.submit(RadarRecord(raw_request(x_request_id=f"plan-row-{i}"), queries, logs if i != 1 else []))
    await asyncio.wait_for(writer.settled(), 30)
    stored = await RadarRequest.filter(x_request_id__startswith="plan-row-").order_by("x_request_id")
    assert [r.x_request_id for r in stored] == ["plan-row-0", "plan-row-1", "plan-row-2"]
    assert stored[0].request_headers == {"authorization": REDACTED, "host": "t"} and stored[0].resolved is False
    queries = await RadarQuery.filter(x_request_id__startswith="plan-row-").order_by("x_request_id")
    assert [(q.x_request_id, q.sql_text) for q in queries] == [(f"plan-row-{i}", f"SELECT {i}") for i in range(3)]
    logs = await RadarUserLog.filter(x_request_id__startswith="plan-row-").order_by("x_request_id")
    assert [(lg.x_request_id, lg.message) for lg in logs] == [("plan-row-0", "log 0"), ("plan-row-2", "log 2")]
