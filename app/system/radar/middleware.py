"""Radar's pure-ASGI middleware: one ``RadarRecord`` per captured request.

It sits inside the catch-all middleware, so it sees unhandled exceptions
(type, message, traceback) before they become code 1000, and re-raises them.
Everything it keeps passes through ``redact``; the record goes to the writer's
queue without waiting.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.client_ip import client_ip
from app.core.config import Settings
from app.core.ctx import CTX_USER_ID, CTX_USER_NAME, CTX_X_REQUEST_ID
from app.system.radar.capture import CTX_CAPTURE, RequestCapture
from app.system.radar.redact import redact_body, redact_query_string, redact_raw_headers, truncate
from app.system.radar.writer import RadarRecord, RadarWriter

EXCLUDE_PREFIXES = (
    "/__radar",
    "/health",
    "/static",
    "/docs",
    "/openapi.json",
    "/redoc",
    "/api/v1/route/constant-routes",
    "/api/v1/route/user-routes",
    "/api/v1/auth/user-info",
)
INCLUDE_PREFIXES = ("/api/v1/auth/login", "/api/v1/auth/code-login", "/api/v1/auth/register", "/__radar/api/_boom")


def should_capture(path: str) -> bool:
    return path.startswith(INCLUDE_PREFIXES) or not path.startswith(EXCLUDE_PREFIXES)


def _business_code(body: bytes) -> str | None:
    # The envelope is serialised with "code" first: read it without parsing the whole body.
    if body.startswith(b'{"code":"'):
        end = body.find(b'"', 9)
        if 9 < end <= 25:
            return body[9:end].decode("ascii", errors="replace")
    return None


class _Body:
    """Body chunks as sent, kept until ``cap`` bytes and joined once.

    A one-chunk body stays the very object the app sent (no copy), so the
    redaction memo hashes it at most once.
    """

    __slots__ = ("cap", "chunks", "size")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes | bytearray | memoryview) -> None:
        if chunk and self.size < self.cap:
            self.chunks.append(chunk if type(chunk) is bytes else bytes(chunk))
            self.size += len(chunk)

    def join(self) -> bytes:
        return b"".join(self.chunks)


class _Response:
    """What the app sent: status, raw headers and the body (up to the cap)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, cap: int) -> None:
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = _Body(cap)


class RadarMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, writer: RadarWriter) -> None:
        self.app = app
        self.settings = settings
        self.writer = writer
        self.body_limit = settings.RADAR_MAX_BODY_SIZE
        self.keep_response = settings.RADAR_CAPTURE_RESPONSE_BODY
        #: Bytes of a body kept for redaction: past the stored limit, enough to mark the truncation.
        self.capture_cap = self.body_limit * 2 + 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not should_capture(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        capture = RequestCapture(x_request_id=CTX_X_REQUEST_ID.get() or scope.get("state", {}).get("request_id", ""))
        created_at = datetime.now(UTC)
        request_body = _Body(self.capture_cap)
        response = _Response(self.capture_cap)

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.add(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.body":
                response.body.add(message.get("body", b""))
            elif kind == "http.response.start":
                response.status = message["status"]
                response.headers = message.get("headers", [])
            await send(message)

        token = CTX_CAPTURE.set(capture)
        error: BaseException | None = None
        try:
            await self.app(scope, recording_receive, recording_send)
        except Exception as exc:
            error = exc
            raise
        finally:
            CTX_CAPTURE.reset(token)
            self._submit(scope, capture, created_at=created_at, body=request_body.join(), response=response, error=error)

    def _submit(
        self,
        scope: Scope,
        capture: RequestCapture,
        *,
        created_at: datetime,
        body: bytes,
        response: _Response,
        error: BaseException | None,
    ) -> None:
        try:
            row = self._row(scope, capture, created_at=created_at, body=body, response=response, error=error)
        except Exception:  # noqa: BLE001 - Radar must never fail a request
            return
        self.writer.submit(RadarRecord(row, capture.queries, capture.logs))

    def _row(
        self,
        scope: Scope,
        capture: RequestCapture,
        *,
        created_at: datetime,
        body: bytes,
        response: _Response,
        error: BaseException | None,
    ) -> dict[str, Any]:
        req_headers = redact_raw_headers(scope.get("headers", []))
        res_body = response.body.join()
        route = scope.get("route")
        client = scope.get("client")
        state = scope.get("state", {})
        return {
            "x_request_id": capture.x_request_id,
            "method": scope.get("method", "")[:10],
            "path": scope.get("path", "")[:500],
            "path_template": getattr(route, "path", None),
            "client_ip": client_ip(scope, self.settings.PROXY_HEADERS_ENABLED, self.settings.TRUSTED_HOSTS)[:45] or None,
            "client_port": client[1] if client else None,
            "user_id": CTX_USER_ID.get() or state.get("user_id") or None,
            "user_name": CTX_USER_NAME.get() or state.get("user_name"),
            "query_params": redact_query_string(scope.get("query_string", b"").decode("latin-1")) or None,
            "request_headers": req_headers,
            "request_body": redact_body(body, req_headers.get("content-type", ""), self.body_limit),
            "response_status": response.status if error is None else 500,
            "response_headers": redact_raw_headers(response.headers),
            "response_body": redact_body(res_body, "application/json", self.body_limit) if self.keep_response else None,
            "business_code": _business_code(res_body) if error is None else "1000",  # the catch-all answers 1000
            "duration_ms": capture.offset_ms(),
            "error_type": type(error).__name__[:200] if error else None,
            "error_message": truncate(str(error), 2000) if error else None,
            "error_traceback": "".join(traceback.format_exception(error)) if error else None,
            "created_at": created_at,
        }


__all__ = ["EXCLUDE_PREFIXES", "INCLUDE_PREFIXES", "RadarMiddleware", "should_capture"]
