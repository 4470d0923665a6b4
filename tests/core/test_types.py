"""Boundary types: SqidId (both ways), SqidPath (decode only), bounded ints."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from app.core.sqids import configure_sqids, encode_id
from app.core.types import Int16, Int32, Int64, SqidId, SqidPath

sqid = TypeAdapter(SqidId)
sqid_path = TypeAdapter(SqidPath)


@pytest.fixture(autouse=True)
def _configured() -> None:
    configure_sqids("types-test-secret-0123456789-abcdefghijklmn")


def test_sqid_id_decodes_canonical_strings_and_encodes_back() -> None:
    public = encode_id(99)
    assert sqid.validate_python(public) == 99
    assert sqid.dump_python(99, mode="json") == public
    assert sqid.dump_json(99) == f'"{public}"'.encode()


def test_zero_means_no_reference_both_ways() -> None:
    assert sqid.validate_python(0) == 0
    assert sqid.validate_python("0") == 0
    assert sqid.dump_python(0, mode="json") == 0


@pytest.mark.parametrize("bad", [1, 42, -1, True, False, 1.0, None, [], {}, "", "42", "abc", "not a sqid at all!", "A" * 40])
def test_sqid_id_refuses_everything_but_canonical_strings(bad: object) -> None:
    with pytest.raises(ValidationError) as info:
        sqid.validate_python(bad)
    assert info.value.errors()[0]["type"] == "value_error"


def test_sqid_path_decodes_and_does_not_re_encode() -> None:
    public = encode_id(5)
    assert sqid_path.validate_python(public) == 5
    assert sqid_path.dump_python(5) == 5
    with pytest.raises(ValidationError):
        sqid_path.validate_python("5")


def test_sqid_json_schema_is_an_opaque_string() -> None:
    schema = sqid.json_schema()
    assert schema["type"] == "string"
    assert schema["minLength"] == 8


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [(Int16, -32768, 32767), (Int32, -(2**31), 2**31 - 1), (Int64, -(2**63), 2**63 - 1)],
)
def test_bounded_ints_accept_their_range_and_refuse_one_past_it(kind: object, low: int, high: int) -> None:
    adapter: TypeAdapter[int] = TypeAdapter(kind)
    assert adapter.validate_python(low) == low
    assert adapter.validate_python(high) == high
    for outside in (low - 1, high + 1):
        with pytest.raises(ValidationError):
            adapter.validate_python(outside)
