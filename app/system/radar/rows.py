"""What the middleware hands over (``RawRequest``) and the stored row made of it (``request_row``).

The middleware runs on every captured request, so it keeps only references
and a few scalars: the raw ASGI headers, the body bytes, the status. Everything
that costs CPU — decoding, redacting, truncating, reading the business code —
happens in ``request_row``, which the store process runs (or the worker's own
writer, when there is no store process to hand the batch to). Nothing secret
is stored either way: every row passes through the redactor before a write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from app.system.radar.redact import redact_body, redact_query_string, redact_raw_headers

#: ``error`` of a request that raised: (exception type, message, formatted traceback).
ErrorInfo = tuple[str, str, str]
#: Raw ASGI header pairs: a list from the server, a tuple once decoded in the store process.
Headers = Sequence[tuple[bytes, bytes]]


class RawRequest(NamedTuple):
    """One captured request as seen, unredacted; it crosses to the store process as it is."""

    x_request_id: str
    created_at: float  # seconds since the epoch
    method: str
    path: str
    path_template: str | None
    client_ip: str | None
    client_port: int | None
    user_id: int | None
    user_name: str | None
    query_string: bytes
    request_headers: Headers
    request_body: bytes
    response_status: int | None
    response_headers: Headers
    response_body: bytes | None  # None: response bodies are not kept (RADAR_CAPTURE_RESPONSE_BODY)
    business_code: str | None  # read by the worker only when the body is not kept; else from the body, here
    elapsed: float  # seconds, unrounded
    error: ErrorInfo | None


def business_code(body: bytes) -> str | None:
    """The envelope's ``code``, read without parsing the body (the envelope is serialised with it first).

    The worker reads it only when response bodies are not kept; otherwise
    ``request_row`` reads it from the kept body, off the request path.
    """
    if body.startswith(b'{"code":"'):
        end = body.find(b'"', 9)
        if 9 < end <= 25:
            return body[9:end].decode("ascii", errors="replace")
    return None


def request_row(raw: RawRequest, body_limit: int) -> dict[str, Any]:
    """The ``radar_requests`` row of a capture: redacted, decoded and truncated."""
    request_headers = redact_raw_headers(raw.request_headers)
    error = raw.error
    response_body = raw.response_body
    code = raw.business_code
    if code is None and response_body is not None:
        code = business_code(response_body)
    return {
        "x_request_id": raw.x_request_id,
        "method": raw.method[:10],
        "path": raw.path[:500],
        "path_template": raw.path_template[:500] if raw.path_template else None,
        "client_ip": raw.client_ip[:45] if raw.client_ip else None,
        "client_port": raw.client_port,
        "user_id": raw.user_id,
        "user_name": raw.user_name[:255] if raw.user_name else raw.user_name,
        "query_params": redact_query_string(raw.query_string.decode("latin-1")) or None,
        "request_headers": request_headers,
        "request_body": redact_body(raw.request_body, request_headers.get("content-type", ""), body_limit),
        "response_status": raw.response_status if error is None else 500,
        "response_headers": redact_raw_headers(raw.response_headers),
        "response_body": redact_body(response_body, "application/json", body_limit) if response_body is not None else None,
        "response_body_ref": None,  # set when the body is stored once (app.system.radar.bodies)
        "business_code": "1000" if error is not None else code,  # the catch-all answers 1000
        "duration_ms": round(raw.elapsed * 1000, 3),
        "error_type": error[0] if error else None,
        "error_message": error[1] if error else None,
        "error_traceback": error[2] if error else None,
        "created_at": datetime.fromtimestamp(raw.created_at, UTC),
    }


__all__ = ["ErrorInfo", "RawRequest", "business_code", "request_row"]
