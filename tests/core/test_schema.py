"""Schemas: camelCase on the wire, snake_case accepted, paging bounds, Update schemas."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError, ValidationInfo, field_validator

from app.core.schema import CommonIds, OfflineByRoleRequest, PageQueryBase, SchemaBase, make_optional, to_snake
from app.core.sqids import configure_sqids, encode_id
from app.core.types import SqidId


@pytest.fixture(autouse=True)
def _configured() -> None:
    configure_sqids("schema-test-secret-0123456789-abcdefghijklm")


class UserCreate(SchemaBase):
    user_name: str = Field(max_length=8)
    nick_name: str = Field(alias="nick")
    role_ids: list[SqidId] = Field(default_factory=list)
    age: int = Field(default=18, ge=0)

    @field_validator("user_name")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("age", mode="before")
    @classmethod
    def _age(cls, value: object, info: ValidationInfo) -> object:
        return int(value) if isinstance(value, str) else value  # type: ignore[call-overload]


def test_camel_case_in_and_out() -> None:
    user = UserCreate.model_validate({"userName": "Ann", "nick": "A", "roleIds": [encode_id(3)]})
    assert user.user_name == "ann" and user.role_ids == [3]
    assert user.model_dump(mode="json") == {"userName": "ann", "nick": "A", "roleIds": [encode_id(3)], "age": 18}
    assert set(UserCreate.model_json_schema()["properties"]) == {"userName", "nick", "roleIds", "age"}


def test_snake_case_is_accepted_and_unknown_keys_ignored() -> None:
    user = UserCreate.model_validate({"user_name": "bo", "nick_name": "B", "role_ids": [], "whatever": 1})
    assert (user.user_name, user.nick_name) == ("bo", "B")
    assert not hasattr(user, "whatever")


def test_to_snake() -> None:
    assert to_snake("createdAt") == "created_at"
    assert to_snake("user_name") == "user_name"
    assert to_snake("id") == "id"


def test_page_query_defaults_and_bounds() -> None:
    page = PageQueryBase()
    assert (page.current, page.size, page.order_by) == (1, 10, None)
    assert PageQueryBase(current=3, size=1000).size == 1000
    for bad in ({"current": 0}, {"size": 0}, {"size": 1001}, {"current": -1}, {"size": "many"}):
        with pytest.raises(ValidationError):
            PageQueryBase.model_validate(bad)


def test_order_by_is_normalised_to_snake_case_with_direction() -> None:
    page = PageQueryBase.model_validate({"orderBy": ["-createdAt", "user_name", "id"]})
    assert page.order_by == ["-created_at", "user_name", "id"]


@pytest.mark.parametrize(
    "bad",
    [["id desc"], ["id;drop table users"], ["--id"], ["+id"], ["1id"], [""], ["a" * 65], ["user.password"], ["-"], ["id)"], [1]],
)
def test_order_by_refuses_anything_but_plain_field_names(bad: list[object]) -> None:
    with pytest.raises(ValidationError):
        PageQueryBase.model_validate({"orderBy": bad})


def test_order_by_is_limited_in_length() -> None:
    with pytest.raises(ValidationError):
        PageQueryBase.model_validate({"orderBy": ["id"] * 11})


def test_make_optional_keeps_aliases_constraints_and_validators() -> None:
    UserUpdate = make_optional(UserCreate)
    assert UserUpdate.__name__ == "UserCreateOptional"
    assert make_optional(UserCreate, "UserUpdate").__name__ == "UserUpdate"
    empty = UserUpdate()
    assert empty.model_dump(exclude_unset=True) == {}
    partial = UserUpdate.model_validate({"userName": " ANN ", "age": "7"})
    assert partial.model_dump(exclude_unset=True) == {"userName": "ann", "age": 7}
    assert UserUpdate.model_validate({"nick": "N"}).nick_name == "N"
    with pytest.raises(ValidationError):
        UserUpdate.model_validate({"userName": "much too long"})
    with pytest.raises(ValidationError):
        UserUpdate.model_validate({"age": -1})
    with pytest.raises(ValidationError):
        UserUpdate.model_validate({"roleIds": [5]})


def test_make_optional_lets_explicit_null_skip_validators() -> None:
    UserUpdate = make_optional(UserCreate)
    nulls = UserUpdate.model_validate({"userName": None, "nick": None, "age": None})
    assert nulls.model_dump(exclude_unset=True) == {"userName": None, "nick": None, "age": None}
    assert not UserUpdate.model_json_schema().get("required")


def test_make_optional_leaves_the_original_required() -> None:
    make_optional(UserCreate)
    with pytest.raises(ValidationError):
        UserCreate.model_validate({})
    with pytest.raises(ValidationError):
        UserCreate.model_validate({"userName": None, "nick": "x"})


def test_common_ids_is_a_bounded_list_of_sqids() -> None:
    ids = CommonIds.model_validate({"ids": [encode_id(1), encode_id(2)]})
    assert ids.ids == [1, 2]
    assert ids.model_dump(mode="json") == {"ids": [encode_id(1), encode_id(2)]}
    for bad in ({"ids": []}, {"ids": [1]}, {"ids": ["12345678"]}, {}, {"ids": [encode_id(1)] * 1001}):
        with pytest.raises(ValidationError):
            CommonIds.model_validate(bad)


def test_offline_by_role_request() -> None:
    assert OfflineByRoleRequest.model_validate({"roleCodes": ["R_ADMIN"]}).role_codes == ["R_ADMIN"]
    with pytest.raises(ValidationError):
        OfflineByRoleRequest.model_validate({"roleCodes": []})
