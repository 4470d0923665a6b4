"""The envelope: HTTP 200, ``{code, msg, data}``, orjson, camelCase data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import orjson
import pytest

from app.core.code import Code
from app.core.ctx import CTX_PREFER_CHINESE
from app.core.responses import Custom, Fail, PageData, PageResponseModel, ResponseModel, Success, SuccessExtra, dumps
from app.core.schema import SchemaBase
from app.core.sqids import configure_sqids, encode_id
from app.core.types import SqidId


class Colour(StrEnum):
    red = "r"


class UserOut(SchemaBase):
    user_id: SqidId
    user_name: str
    last_login: datetime | None = None


@pytest.fixture(autouse=True)
def _sqids() -> None:
    configure_sqids("responses-test-secret-0123456789-abcdefghij")


def body(response: Custom) -> dict:
    return orjson.loads(response.body)


def test_success_wraps_data_with_code_0000_and_ok() -> None:
    response = Success(data={"a": 1})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert body(response) == {"code": "0000", "msg": "OK", "data": {"a": 1}}


def test_success_extra_is_a_page() -> None:
    response = SuccessExtra(data=[{"x": 1}], total=11, current=2, size=5)
    assert body(response)["data"] == {"records": [{"x": 1}], "total": 11, "current": 2, "size": 5}
    assert body(SuccessExtra())["data"] == {"records": [], "total": 0, "current": 1, "size": 10}


def test_fail_defaults_to_2400_and_takes_the_code_message() -> None:
    assert body(Fail()) == {"code": "2400", "msg": "Operation failed", "data": None}
    assert body(Fail(code=Code.NOT_FOUND))["msg"] == "Resource not found"
    assert body(Fail(code="4001", msg="custom"))["msg"] == "custom"
    assert Fail(code=Code.NOT_FOUND).status_code == 200


def test_custom_carries_extra_top_level_keys_and_string_codes() -> None:
    response = Custom(code=Code.FAIL, data=None, extra_key=1)
    assert body(response) == {"code": "2400", "msg": "Operation failed", "data": None, "extra_key": 1}


def test_default_message_follows_the_request_language() -> None:
    token = CTX_PREFER_CHINESE.set(True)
    try:
        assert body(Fail(code=Code.NOT_FOUND))["msg"] == "资源不存在"
    finally:
        CTX_PREFER_CHINESE.reset(token)


def test_pydantic_models_in_data_are_dumped_by_alias() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    response = Success(
        data={"user": UserOut(user_id=encode_id(7), user_name="ann", last_login=when), "list": [UserOut(user_id=0, user_name="b")]}
    )
    data = body(response)["data"]
    assert data["user"] == {"userId": encode_id(7), "userName": "ann", "lastLogin": "2024-01-02T03:04:05Z"}
    assert data["list"][0]["userId"] == 0
    top = body(Success(data=UserOut(user_id=encode_id(1), user_name="c")))["data"]
    assert "userName" in top and "user_name" not in top


def test_envelope_serialises_decimal_enum_uuid_set_datetime() -> None:
    uid = UUID("12345678-1234-5678-1234-567812345678")
    data = orjson.loads(
        dumps({"d": Decimal("1.50"), "e": Colour.red, "u": uid, "s": {1}, "t": datetime(2024, 1, 1, tzinfo=UTC), 3: "int key"})
    )
    assert data == {"d": 1.5, "e": "r", "u": str(uid), "s": [1], "t": "2024-01-01T00:00:00+00:00", "3": "int key"}


def test_unserialisable_values_raise_type_error() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_openapi_models_describe_the_envelope() -> None:
    assert ResponseModel[int](data=1).model_dump() == {"code": "0000", "msg": "OK", "data": 1}
    page = PageResponseModel[int](data=PageData[int](records=[1], total=1)).model_dump()
    assert page["data"] == {"records": [1], "total": 1, "current": 1, "size": 10}
