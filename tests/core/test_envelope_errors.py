"""Every error class answers HTTP 200 with its own code in the envelope, on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import field_validator

from app.core.code import Code
from app.core.database import close_db, init_db
from app.core.exceptions import UNIQUE_CONSTRAINT_CODES, BizError, SchemaValidationError, register_unique_constraint
from app.core.responses import Success
from app.core.schema import SchemaBase
from app.system.models import Button
from tests.core.bare import bare_app, client_for


class UserIn(SchemaBase):
    user_name: str
    age: int = 0

    @field_validator("user_name")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value.strip():
            raise SchemaValidationError(Code.USERNAME_REQUIRED)
        return value


class StrictOut(SchemaBase):
    total: int


def add_error_routes(application: FastAPI) -> None:
    @application.get("/test/biz")
    async def raise_biz() -> Success:
        raise BizError(Code.DUPLICATE_ROLE_CODE, data={"field": "roleCode"})

    @application.get("/test/project-code")
    async def raise_project_code() -> Success:
        raise BizError("4001", "Stock is empty")

    @application.post("/test/users")
    async def create_user(body: UserIn) -> Success:
        return Success(data=body)

    @application.get("/test/missing")
    async def read_missing() -> Success:
        return Success(data=(await Button.get(id=987654)).to_dict())

    @application.post("/test/buttons")
    async def create_button() -> Success:
        button = await Button.create(button_code="same-code", button_desc="first")
        return Success(data=button.to_dict())

    @application.get("/test/bad-response", response_model=StrictOut)
    async def read_bad_response() -> dict[str, str]:
        return {"total": "not a number"}


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    add_error_routes(app)
    async with client_for(app) as http:
        yield http


def envelope(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "msg", "data"}
    return body


async def test_biz_error_carries_its_code_message_and_data(client: httpx.AsyncClient) -> None:
    assert envelope(await client.get("/test/biz")) == {"code": "2301", "msg": "Role code already exists", "data": {"field": "roleCode"}}
    assert envelope(await client.get("/test/project-code")) == {"code": "4001", "msg": "Stock is empty", "data": None}


async def test_schema_validation_error_in_a_validator_keeps_its_code(client: httpx.AsyncClient) -> None:
    body = envelope(await client.post("/test/users", json={"userName": "   "}))
    assert body["code"] == Code.USERNAME_REQUIRED == "2601"
    assert not issubclass(SchemaValidationError, ValueError)


async def test_request_validation_is_1200_with_a_field_message_and_an_error_list(client: httpx.AsyncClient) -> None:
    body = envelope(await client.post("/test/users", json={"age": "x"}))
    assert body["code"] == "1200"
    fields = {e["field"] for e in body["data"]["errors"]}
    assert fields == {"userName", "age"}
    assert all(set(e) == {"field", "message", "type"} for e in body["data"]["errors"])
    first = body["data"]["errors"][0]
    assert body["msg"] == f"{first['field']}: {first['message']}"
    assert "'x'" not in str(body), "input values are never echoed"


async def test_invalid_json_is_1200(client: httpx.AsyncClient) -> None:
    body = envelope(await client.post("/test/users", content=b'{"userName": ', headers={"Content-Type": "application/json"}))
    assert body["code"] == "1200"
    assert body["data"]["errors"][0]["type"] == "json_invalid"
    assert body["msg"] == "body: invalid JSON"


async def test_does_not_exist_is_1101(client: httpx.AsyncClient) -> None:
    assert envelope(await client.get("/test/missing")) == {"code": "1101", "msg": "Resource not found", "data": None}


async def test_integrity_error_is_1100_or_the_registered_code(client: httpx.AsyncClient) -> None:
    assert envelope(await client.post("/test/buttons"))["code"] == "0000"
    duplicate = envelope(await client.post("/test/buttons"))
    assert duplicate == {"code": "1100", "msg": "Data integrity error", "data": None}
    register_unique_constraint("button_code", Code.DUPLICATE_RESOURCE)
    try:
        assert envelope(await client.post("/test/buttons"))["code"] == "2300"
    finally:
        UNIQUE_CONSTRAINT_CODES.pop("button_code")


async def test_response_validation_is_1201_without_details(client: httpx.AsyncClient) -> None:
    assert envelope(await client.get("/test/bad-response")) == {"code": "1201", "msg": "Response validation failed", "data": None}


async def test_unknown_route_is_1300_and_wrong_method_is_1301(client: httpx.AsyncClient) -> None:
    assert envelope(await client.get("/test/nowhere"))["code"] == "1300"
    assert envelope(await client.delete("/test/biz"))["code"] == "1301"


@pytest.mark.parametrize("dead_url", ["postgres://postgres@127.0.0.1:9/nodb", "mysql://root@127.0.0.1:9/nodb"])
async def test_an_unreachable_database_is_1102_without_driver_text(dead_url: str) -> None:
    application = bare_app(DB_URL=dead_url, DB_CONNECT_TIMEOUT=2)
    add_error_routes(application)
    await init_db(application.state.tortoise_config)
    try:
        async with client_for(application) as http:
            body = envelope(await http.get("/test/missing"))
    finally:
        await close_db()
    assert body == {"code": "1102", "msg": "Database unavailable, try again later", "data": None}
