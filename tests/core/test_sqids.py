"""Sqids: round trips, and every non-canonical public id is refused (never another record, never a 500)."""

from __future__ import annotations

import string
import warnings
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqids import Sqids

with warnings.catch_warnings():  # starlette nags about its httpx dependency
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from app import create_app
from app.core.responses import Success
from app.core.schema import SchemaBase
from app.core.sqids import MAX_LENGTH, MIN_LENGTH, SqidCodec, SqidDecodeError, alphabet_for, configure_sqids, decode_id, encode_id
from app.core.types import SqidId, SqidPath
from tests.conftest import TEST_SECRET, base_settings

ALPHABET = string.ascii_letters + string.digits
MAX_ID = 2**63 - 1
ids = st.integers(min_value=1, max_value=MAX_ID)
codec = SqidCodec(TEST_SECRET)


@pytest.fixture(autouse=True)
def _configured() -> None:
    configure_sqids(TEST_SECRET)


# ---- the codec -----------------------------------------------------------------


@given(ids)
def test_round_trip(n: int) -> None:
    public = codec.encode(n)
    assert MIN_LENGTH <= len(public) <= MAX_LENGTH
    assert set(public) <= set(ALPHABET)
    assert not public.isdigit()
    assert codec.decode(public) == n


def test_alphabet_is_a_deterministic_permutation_seeded_by_the_secret() -> None:
    assert sorted(alphabet_for("a")) == sorted(ALPHABET)
    assert alphabet_for("a") == alphabet_for("a")
    assert alphabet_for("a") != alphabet_for("b")
    assert SqidCodec("a").encode(42) != SqidCodec("b").encode(42)


def test_zero_stays_the_number_zero_and_ints_pass_through_internally() -> None:
    assert encode_id(0) == 0
    assert decode_id(17) == 17
    assert decode_id(encode_id(17)) == 17
    for bad in (-1, True, False):
        with pytest.raises(SqidDecodeError):
            decode_id(bad)


@given(st.text(alphabet=string.digits, min_size=1, max_size=40))
def test_numeric_strings_are_refused(text: str) -> None:
    with pytest.raises(SqidDecodeError):
        codec.decode(text)


def test_the_encoder_treats_all_digit_ids_as_blocked() -> None:
    hook = codec._sqids._Sqids__is_blocked_id  # type: ignore[attr-defined]
    assert hook("12345678") is True
    assert hook("ab345678") is False


@given(st.text(alphabet=ALPHABET, max_size=MIN_LENGTH - 1))
def test_strings_shorter_than_the_minimum_are_refused(text: str) -> None:
    with pytest.raises(SqidDecodeError):
        codec.decode(text)


@given(st.text(alphabet=ALPHABET, min_size=MAX_LENGTH + 1, max_size=200))
def test_overlong_strings_are_refused(text: str) -> None:
    with pytest.raises(SqidDecodeError):
        codec.decode(text)


@given(ids, st.integers(min_value=0, max_value=20), st.characters(blacklist_characters=ALPHABET))
def test_strings_with_foreign_characters_are_refused(n: int, at: int, char: str) -> None:
    public = codec.encode(n)
    at = at % (len(public) + 1)
    with pytest.raises(SqidDecodeError):
        codec.decode(public[:at] + char + public[at:])


@given(st.text(alphabet=ALPHABET, min_size=MIN_LENGTH, max_size=MAX_LENGTH))
def test_anything_that_decodes_is_the_canonical_id_of_its_number(text: str) -> None:
    try:
        number = codec.decode(text)
    except SqidDecodeError:
        return
    assert codec.encode(number) == text


def _non_canonical_examples() -> Iterator[tuple[str, int]]:
    """Strings the plain library decodes to one number, but that are not that number's id."""
    plain = Sqids(alphabet=alphabet_for(TEST_SECRET), min_length=MIN_LENGTH)
    for n in range(1, 5000):
        public = plain.encode([n])
        for variant in (public + public[-1], public[:-1] + ("a" if public[-1] != "a" else "b")):
            decoded = plain.decode(variant)
            if len(decoded) == 1 and plain.encode(decoded) != variant:
                yield variant, decoded[0]


def test_non_canonical_encodings_that_decode_are_refused() -> None:
    examples = list(zip(range(50), _non_canonical_examples(), strict=False))
    assert len(examples) == 50, "the library should decode some non-canonical strings"
    for _, (variant, _number) in examples:
        with pytest.raises(SqidDecodeError):
            codec.decode(variant)


def test_numbers_beyond_int64_are_refused() -> None:
    plain = Sqids(alphabet=alphabet_for(TEST_SECRET), min_length=MIN_LENGTH)
    big = plain.encode([2**63 - 1])
    assert codec.decode(big) == 2**63 - 1
    with pytest.raises(ValueError):
        codec.encode(2**64)


# ---- the HTTP boundary ---------------------------------------------------------


class ItemIn(SchemaBase):
    parent_id: SqidId


@pytest.fixture(scope="module")
def boundary() -> Iterator[TestClient]:
    """The production app plus two echo routes; they touch no database, so no lifespan."""
    application: FastAPI = create_app(base_settings())

    @application.get("/test/items/{item_id}")
    async def read_item(item_id: SqidPath) -> Success:
        return Success(data={"decoded": item_id})

    @application.post("/test/items")
    async def create_item(body: ItemIn) -> Success:
        return Success(data={"decoded": body.parent_id})

    yield TestClient(application, raise_server_exceptions=False)


def _expect(response_json: dict, text: object) -> None:
    """Either the canonical decoding of ``text`` or 1200; nothing else."""
    assert response_json["code"] in ("0000", "1200"), response_json
    if response_json["code"] == "0000":
        assert isinstance(text, str)
        assert codec.encode(response_json["data"]["decoded"]) == text or (text == "0" and response_json["data"]["decoded"] == 0)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(alphabet=ALPHABET, max_size=40), st.text(min_size=1, max_size=20).filter(lambda t: "/" not in t)))
def test_path_ids_decode_canonically_or_answer_1200(boundary: TestClient, text: str) -> None:
    response = boundary.get("/test/items/" + quote(text, safe=""))
    assert response.status_code == 200
    if text in ("", ".", ".."):  # such a segment never reaches the route
        assert response.json()["code"] in ("1300", "1301")
        return
    _expect(response.json(), text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.integers(),
        st.text(max_size=40),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=2),
    )
)
def test_body_ids_decode_canonically_or_answer_1200(boundary: TestClient, value: object) -> None:
    response = boundary.post("/test/items", json={"parentId": value})
    assert response.status_code == 200
    body = response.json()
    if type(value) is int and value == 0:
        assert body["code"] == "0000" and body["data"]["decoded"] == 0
        return
    if not isinstance(value, str):
        assert body["code"] == "1200", f"a non-string id {value!r} must be refused"
        return
    _expect(body, value)


def test_a_real_id_round_trips_and_a_numeric_id_never_reaches_a_record(boundary: TestClient) -> None:
    public = encode_id(42)
    assert boundary.get(f"/test/items/{public}").json()["data"] == {"decoded": 42}
    assert boundary.post("/test/items", json={"parentId": public}).json()["data"] == {"decoded": 42}
    for raw in ("42", "00000042", "12345678", str(2**63)):
        assert boundary.get(f"/test/items/{raw}").json()["code"] == "1200"
        assert boundary.post("/test/items", json={"parentId": raw}).json()["code"] == "1200"
    assert boundary.post("/test/items", json={"parentId": 42}).json()["code"] == "1200"
    assert boundary.post("/test/items", json={"parent_id": public}).json()["data"] == {"decoded": 42}
