"""The error hierarchy and the helpers the handlers use (rendering is in test_envelope_errors)."""

from __future__ import annotations

import orjson
import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from tortoise.exceptions import IntegrityError, OperationalError

from app.core.code import Code
from app.core.exceptions import (
    UNIQUE_CONSTRAINT_CODES,
    BizError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SchemaValidationError,
    integrity_code,
    is_unreachable,
    operational_error_handler,
    register_unique_constraint,
    validation_errors,
)


def test_the_hierarchy_carries_codes() -> None:
    assert BizError().code == "2400"
    error = BizError(Code.DUPLICATE_ROLE_CODE, "taken", {"x": 1})
    assert (error.code, error.msg, error.data) == ("2301", "taken", {"x": 1})
    assert BizError("4001").code == "4001"
    assert NotFoundError().code == "1101"
    assert PermissionDeniedError().code == "2201"
    assert PermissionDeniedError(Code.SUPER_ADMIN_ONLY).code == "2206"
    assert ConflictError().code == "2306"
    assert issubclass(SchemaValidationError, BizError)
    assert not issubclass(SchemaValidationError, ValueError), "Pydantic would fold a ValueError into 1200"


def test_schema_validation_error_escapes_pydantic_untouched() -> None:
    class Body(BaseModel):
        name: str

        def model_post_init(self, _: object) -> None:
            if not self.name:
                raise SchemaValidationError(Code.USERNAME_REQUIRED)

    with pytest.raises(SchemaValidationError) as info:
        Body(name="")
    assert info.value.code == "2601"


def test_integrity_code_uses_registered_fragments() -> None:
    error = IntegrityError('duplicate key value violates unique constraint "coretest_thing_key"')
    assert integrity_code(error) == Code.INTEGRITY_ERROR
    register_unique_constraint("coretest_thing", Code.DUPLICATE_RESOURCE)
    try:
        assert integrity_code(error) == Code.DUPLICATE_RESOURCE
    finally:
        UNIQUE_CONSTRAINT_CODES.pop("coretest_thing")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        OperationalError("connection was closed in the middle of operation"),
        OperationalError("(2003, \"Can't connect to MySQL server on '127.0.0.1'\")"),
    ],
)
def test_unreachable_database_errors_are_recognised(error: BaseException) -> None:
    assert is_unreachable(error)


def test_a_wrapped_cause_is_recognised_and_plain_errors_are_not() -> None:
    try:
        try:
            raise ConnectionResetError("reset by peer")
        except ConnectionResetError as inner:
            raise OperationalError("query failed") from inner
    except OperationalError as outer:
        assert is_unreachable(outer)
    assert not is_unreachable(OperationalError('column "x" does not exist'))
    assert not is_unreachable(ValueError("bad"))
    assert not is_unreachable(FileNotFoundError("missing.txt"))


def test_validation_errors_are_field_message_type_without_input_values() -> None:
    class Body(BaseModel):
        age: int
        name: str

    try:
        Body.model_validate({"age": "secret-canary"})
    except ValidationError as exc:
        errors = validation_errors(RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]))
    assert [e["field"] for e in errors] == ["age", "name"]
    assert [e["type"] for e in errors] == ["int_parsing", "missing"]
    assert all(set(e) == {"field", "message", "type"} for e in errors)
    assert "secret-canary" not in str(errors)
    nested = validation_errors(RequestValidationError([{"type": "missing", "loc": ("body", "items", 0, "id"), "msg": "Field required"}]))
    assert nested[0]["field"] == "items.0.id"
    whole = validation_errors(RequestValidationError([{"type": "json_invalid", "loc": ("body", 3), "msg": "JSON decode error"}]))
    assert whole[0] == {"field": "body", "message": "invalid JSON", "type": "json_invalid"}


async def test_a_non_connection_operational_error_is_1000_without_its_text() -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""})
    response = await operational_error_handler(request, OperationalError('syntax error at or near "secret_column"'))
    body = orjson.loads(response.body)
    assert body == {"code": "1000", "msg": "Internal server error", "data": None}
    unreachable = await operational_error_handler(request, OperationalError("Connection refused"))
    assert orjson.loads(unreachable.body)["code"] == "1102"
