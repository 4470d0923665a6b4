"""The one redactor: everything Radar keeps about a request passes through here.

Headers named in ``SECRET_HEADERS`` and every JSON key that contains one of
``SECRET_KEY_MARKERS`` (at any depth) become ``"[REDACTED]"``. A body that is
not JSON but looks like a form is redacted field by field; anything else that
mentions a marker is dropped whole. SQL parameters are redacted when the
statement names a secret-looking column, or when a value looks like a
password hash or a JWT.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "x-csrf-token", "proxy-authorization"})
SECRET_KEY_MARKERS = ("password", "passwd", "token", "secret", "captcha", "api_key", "apikey")

_JWT = re.compile(r"^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$")
_HASH_PREFIXES = ("$argon2", "$2a$", "$2b$", "$2y$", "pbkdf2_", "$pbkdf2")
_SECRET_SQL = re.compile("|".join(SECRET_KEY_MARKERS), re.IGNORECASE)


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in SECRET_KEY_MARKERS)


#: Verdicts of ``is_secret_key`` for the keys seen so far (a plain dict: cheaper than the lru wrapper per key).
_KEY_VERDICTS: dict[str, bool] = {}
_SCALARS = (int, float, bool, type(None))


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict with secret ones replaced."""
    return {name: (REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers}


#: Raw ASGI header names seen so far: their text and whether the value is secret.
_RAW_HEADER_NAMES: dict[bytes, tuple[str, bool]] = {}


def redact_raw_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """``redact_headers`` of raw ASGI headers (latin-1), each name decoded and judged once per process."""
    names = _RAW_HEADER_NAMES
    out: dict[str, str] = {}
    for key, value in raw:
        known = names.get(key) if type(key) is bytes else None
        if known is None:
            text = key.decode("latin-1")
            known = (text, text.lower() in SECRET_HEADERS)
            if len(names) < 1024 and type(key) is bytes:
                names[key] = known
        out[known[0]] = REDACTED if known[1] else value.decode("latin-1")
    return out


def redact_value(value: Any) -> Any:
    """A JSON value with every secret-looking key's value replaced, at any depth."""
    kind = type(value)
    if kind is dict or isinstance(value, Mapping):
        return _redact_mapping(value)
    if kind is list:
        return [redact_value(item) for item in value]
    if kind is str and len(value) >= 20 and _looks_secret(value):
        return REDACTED
    return value


def _redact_mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
    # Runs for every row of every captured response: scalars are handled inline, without a call each.
    out: dict[Any, Any] = {}
    verdicts = _KEY_VERDICTS
    for key, item in value.items():
        secret = verdicts.get(key) if type(key) is str else False
        if secret is None:
            secret = is_secret_key(key)
            if len(verdicts) < 4096:
                verdicts[key] = secret
        if secret:
            out[key] = REDACTED
        elif type(item) in _SCALARS:
            out[key] = item
        elif type(item) is str:
            out[key] = REDACTED if len(item) >= 20 and _looks_secret(item) else item
        else:
            out[key] = redact_value(item)
    return out


def _looks_secret(text: str) -> bool:
    """Password hashes and JWT-shaped strings (both are longer than 20 characters)."""
    return text.startswith(_HASH_PREFIXES) or ("." in text and bool(_JWT.match(text)))


#: Bodies up to this size are memoised; the memo holds at most this many entries and raw bytes.
MEMO_MAX_BODY = 256 * 1024
MEMO_MAX_ENTRIES = 128
MEMO_MAX_BYTES = 2 * 1024 * 1024


class BodyMemo:
    """A small LRU of redacted bodies keyed by the exact bytes (plus content type and limit).

    An admin backend answers the same list page again and again; redacting it
    (parse, walk, serialise) is the dearest part of a capture, while a hit
    costs one hash of the bytes and one comparison. The key is the body
    itself, so a hit is exact: bodies that differ by one byte are different keys.
    """

    def __init__(self, max_entries: int = MEMO_MAX_ENTRIES, max_bytes: int = MEMO_MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[tuple[bytes, str, int], str | None] = OrderedDict()

    def redact(self, raw: bytes, content_type: str, limit: int) -> str | None:
        key = (raw, content_type, limit)
        items = self._items
        try:
            text = items[key]
            items.move_to_end(key)
            return text
        except KeyError:
            pass
        text = _redact_body(raw, content_type, limit)
        items[key] = text
        self.size += len(raw)
        while len(items) > self.max_entries or self.size > self.max_bytes:
            (old, _, _), _ = items.popitem(last=False)
            self.size -= len(old)
        return text


_BODY_MEMO = BodyMemo()


def redact_body(raw: bytes, content_type: str = "", limit: int = 65536) -> str | None:
    """A request/response body fit to store: redacted, UTF-8, truncated to ``limit`` chars.

    Recent bodies are memoised by their exact bytes (``BodyMemo``): the result
    is the same as a fresh redaction, only cheaper when a body repeats.
    """
    if not raw:
        return None
    if len(raw) <= MEMO_MAX_BODY and type(raw) is bytes:
        return _BODY_MEMO.redact(raw, content_type, limit)
    return _redact_body(raw, content_type, limit)


def _redact_body(raw: bytes, content_type: str, limit: int) -> str | None:
    text: str
    try:
        text = orjson.dumps(redact_value(orjson.loads(raw))).decode()
    except orjson.JSONDecodeError:
        decoded = raw.decode("utf-8", errors="replace")
        if "application/x-www-form-urlencoded" in content_type:
            text = redact_query_string(decoded)
        elif _SECRET_SQL.search(decoded) or "multipart/" in content_type:
            return f"[{len(raw)} bytes not stored: may contain secrets]"
        else:
            text = decoded
    return truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [truncated {len(text) - limit} chars]"


def redact_query_string(query: str) -> str:
    """A query string (or form body) with the values of secret-looking keys replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if is_secret_key(k) else v) for k, v in pairs])


#: Verdicts of ``sql_names_secret`` per statement text: an app runs a few hundred distinct statements.
_SQL_VERDICTS: dict[str, bool] = {}
_SQL_VERDICTS_MAX = 1024
_SQL_VERDICT_MAX_CHARS = 4096


def sql_names_secret(sql: str) -> bool:
    """Whether a statement mentions a secret-looking name (its parameters are then all redacted)."""
    verdict = _SQL_VERDICTS.get(sql)
    if verdict is None:
        verdict = _SECRET_SQL.search(sql) is not None
        if len(sql) <= _SQL_VERDICT_MAX_CHARS:
            if len(_SQL_VERDICTS) >= _SQL_VERDICTS_MAX:
                _SQL_VERDICTS.clear()
            _SQL_VERDICTS[sql] = verdict
    return verdict


def redact_sql_params(sql: str, params: Any) -> Any:
    """SQL parameters, all redacted when the statement touches a secret-looking column."""
    if params is None:
        return None
    if sql_names_secret(sql):
        return [REDACTED for _ in params] if isinstance(params, list | tuple) else REDACTED
    if isinstance(params, list | tuple):
        return [REDACTED if isinstance(p, str) and _looks_secret(p) else p for p in params]
    return params


def redact(value: Any) -> Any:
    """Generic entry point: mappings and lists by key, strings by shape."""
    return redact_value(value)


__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "BodyMemo",
    "redact",
    "redact_body",
    "redact_headers",
    "redact_query_string",
    "redact_raw_headers",
    "redact_sql_params",
    "redact_value",
    "sql_names_secret",
    "truncate",
]
