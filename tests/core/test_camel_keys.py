"""Wire keys: digits never capitalise the next letter (spec data.md §4: ``i18n_key`` → ``i18nKey``)."""

from __future__ import annotations

from app.core.schema import SchemaBase, to_camel, to_snake


def test_to_camel_follows_the_wire_rule() -> None:
    assert to_camel("i18n_key") == "i18nKey"
    assert to_camel("x_request_id") == "xRequestId"
    assert to_camel("by_role_home_id") == "byRoleHomeId"
    assert to_camel("id") == "id"


def test_round_trip_to_snake() -> None:
    for name in ("i18n_key", "x_request_id", "fixed_index_in_tab", "user_name"):
        assert to_snake(to_camel(name)) == name


def test_schema_accepts_the_frontend_key() -> None:
    class Body(SchemaBase):
        i18n_key: str | None = None

    assert Body.model_validate({"i18nKey": "route.home"}).i18n_key == "route.home"
    assert Body(i18n_key="x").model_dump(by_alias=True) == {"i18nKey": "x"}
