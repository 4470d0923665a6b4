"""Public ids are sqids: opaque strings of at least 8 characters.

The alphabet is a deterministic shuffle of ``a-zA-Z0-9`` seeded by SHA-256 of
``SECRET_KEY`` (byte-compatible with the reference system). Only canonical
encodings decode: a string that does not re-encode to itself is rejected, so
one record never has two public ids. All-digit strings are never sqids: the
encoder skips them (like a blocklisted word) and the decoder refuses them, so a
legacy numeric id sent as a string can never land on some other record.
"""

from __future__ import annotations

import hashlib
import random
import string

from sqids import Sqids

MIN_LENGTH = 8
MAX_LENGTH = 32
_BASE_ALPHABET = string.ascii_lowercase + string.ascii_uppercase + string.digits
_ALLOWED = frozenset(_BASE_ALPHABET)


class SqidDecodeError(ValueError):
    """The value is not a canonical sqid of exactly one non-negative integer."""


def alphabet_for(secret: str) -> str:
    seed = int.from_bytes(hashlib.sha256(secret.encode("utf-8")).digest(), "big")
    chars = list(_BASE_ALPHABET)
    random.Random(seed).shuffle(chars)
    return "".join(chars)


class _NoDigitOnlySqids(Sqids):
    """Sqids that treat an all-digit id as blocked, so encode picks another offset."""

    def _Sqids__is_blocked_id(self, id_: str) -> bool:  # noqa: N802 - overrides the name-mangled hook
        if id_.isdigit():
            return True
        blocked: bool = getattr(super(), "_Sqids__is_blocked_id")(id_)  # noqa: B009 - name-mangled parent hook
        return blocked


class SqidCodec:
    def __init__(self, secret: str) -> None:
        self._sqids = _NoDigitOnlySqids(alphabet=alphabet_for(secret), min_length=MIN_LENGTH)
        self._encode_cache: dict[int, str] = {}

    def encode(self, value: int) -> str:
        cached = self._encode_cache.get(value)
        if cached is not None:
            return cached
        if value < 0:
            raise ValueError("sqids encode non-negative integers only")
        encoded = self._sqids.encode([value])
        if len(self._encode_cache) < 100_000:
            self._encode_cache[value] = encoded
        return encoded

    def decode(self, value: str) -> int:
        if not isinstance(value, str):
            raise SqidDecodeError("id must be a string")
        if not (MIN_LENGTH <= len(value) <= MAX_LENGTH) or not _ALLOWED.issuperset(value) or value.isdigit():
            raise SqidDecodeError("invalid id")
        numbers = self._sqids.decode(value)
        if len(numbers) != 1:
            raise SqidDecodeError("invalid id")
        number = numbers[0]
        if number > 2**63 - 1 or self.encode(number) != value:
            raise SqidDecodeError("invalid id")
        return number


_codec: SqidCodec | None = None


def configure_sqids(secret: str) -> None:
    """Install the process codec; called by ``create_app``."""
    global _codec
    _codec = SqidCodec(secret)


def _get_codec() -> SqidCodec:
    if _codec is None:
        raise RuntimeError("sqids are not configured; create_app() configures them")
    return _codec


def encode_id(value: int) -> str | int:
    """Public form of an id; ``0`` (root / empty reference) stays the number 0."""
    if value == 0:
        return 0
    return _get_codec().encode(value)


def decode_id(value: str | int) -> int:
    """Internal id from its sqid; Python ints pass through for internal callers.

    At the HTTP boundary use ``SqidId``/``SqidPath``, which accept only strings.
    """
    if isinstance(value, bool):
        raise SqidDecodeError("invalid id")
    if isinstance(value, int):
        if value < 0:
            raise SqidDecodeError("invalid id")
        return value
    return _get_codec().decode(value)
