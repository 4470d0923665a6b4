"""Radar's pure-ASGI middleware: one ``RadarRecord`` per captured request.

It sits inside the catch-all middleware, so it sees unhandled exceptions
(type, message, traceback) before they become code 1000, and re-raises them.
It keeps references and scalars only (``RawRequest``); the record goes to the
writer's queue without waiting, and redaction happens where rows are built
(``app.system.radar.rows``), off the request path.
"""

from __future__ import annotations

import time
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.client_ip import client_ip
from app.core.config import Settings
from app.core.ctx import CTX_USER_ID, CTX_USER_NAME, CTX_X_REQUEST_ID
from app.core.dependency import route_template
from app.system.radar.capture import CTX_CAPTURE, RequestCapture
from app.system.radar.redact import truncate
from app.system.radar.rows import ErrorInfo, Headers, RawRequest, business_code
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


#: ``should_capture`` of recent paths: an admin backend serves a small set of paths again and again.
_VERDICTS: dict[str, bool] = {}
_MAX_VERDICTS = 4096


def _captured(path: str) -> bool:
    verdict = _VERDICTS.get(path)
    if verdict is None:
        if len(_VERDICTS) >= _MAX_VERDICTS:
            _VERDICTS.clear()
        verdict = _VERDICTS[path] = should_capture(path)
    return verdict


def _joined(kept: bytes, chunk: bytes | bytearray | memoryview, cap: int) -> bytes:
    """``kept`` with ``chunk`` appended while under ``cap``; a lone chunk stays the very object sent (no copy)."""
    if not chunk or len(kept) >= cap:
        return kept
    if not kept and type(chunk) is bytes:
        return chunk
    return kept + chunk


class RadarMiddleware:
    """Keeps what a request sent and was answered, and queues it when the answer is done.

    Runs on every captured request, on the event loop all requests share:
    the wrappers keep plain locals (no per-request objects but the capture
    and the record), and the record leaves as references and scalars.
    """

    def __init__(self, app: ASGIApp, settings: Settings, writer: RadarWriter) -> None:
        self.app = app
        self.settings = settings
        self.writer = writer
        self.body_limit = settings.RADAR_MAX_BODY_SIZE
        self.keep_response = settings.RADAR_CAPTURE_RESPONSE_BODY
        self.proxy_headers = settings.PROXY_HEADERS_ENABLED
        self.trusted_hosts = tuple(settings.TRUSTED_HOSTS)
        #: Bytes of a body kept for redaction: past the stored limit, enough to mark the truncation.
        self.capture_cap = self.body_limit * 2 + 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _captured(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        created_at = time.time()
        capture = RequestCapture(CTX_X_REQUEST_ID.get() or scope.get("state", {}).get("request_id", ""))
        cap = self.capture_cap
        request_body = response_body = b""
        status: int | None = None
        response_headers: Headers = ()

        async def recording_receive() -> Message:
            nonlocal request_body
            message = await receive()
            if message["type"] == "http.request":
                request_body = _joined(request_body, message.get("body", b""), cap)
            return message

        async def recording_send(message: Message) -> None:
            nonlocal response_body, status, response_headers
            kind = message["type"]
            if kind == "http.response.body":
                response_body = _joined(response_body, message.get("body", b""), cap)
            elif kind == "http.response.start":
                status = message["status"]
                response_headers = message.get("headers", ())
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
            self._submit(
                scope,
                capture,
                created_at=created_at,
                request_body=request_body,
                status=status,
                response_headers=response_headers,
                response_body=response_body,
                error=error,
            )

    def _submit(
        self,
        scope: Scope,
        capture: RequestCapture,
        *,
        created_at: float,
        request_body: bytes,
        status: int | None,
        response_headers: Headers,
        response_body: bytes,
        error: BaseException | None,
    ) -> None:
        """Queue what was seen, as references and scalars: redaction and row building run off the request path."""
        try:
            client = scope.get("client")
            state = scope.get("state") or {}
            raw = RawRequest(
                capture.x_request_id,
                created_at,
                scope.get("method", ""),
                scope.get("path", ""),
                route_template(scope),
                client_ip(scope, self.proxy_headers, self.trusted_hosts) or None,
                client[1] if client else None,
                CTX_USER_ID.get() or state.get("user_id") or None,
                CTX_USER_NAME.get() or state.get("user_name"),
                scope.get("query_string", b""),
                scope.get("headers", ()),
                request_body,
                status if error is None else 500,
                response_headers,
                response_body if self.keep_response else None,
                None if self.keep_response else business_code(response_body),
                capture.elapsed(),
                _error_info(error) if error is not None else None,
            )
        except Exception:  # noqa: BLE001 - Radar must never fail a request
            return
        self.writer.submit(RadarRecord(raw, capture.queries, capture.logs))


def _error_info(error: BaseException) -> ErrorInfo:
    return type(error).__name__[:200], truncate(str(error), 2000), "".join(traceback.format_exception(error))


__all__ = ["EXCLUDE_PREFIXES", "INCLUDE_PREFIXES", "RadarMiddleware", "should_capture"]
