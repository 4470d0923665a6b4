"""Logging: one format, the request id in every line (loguru and standard logging alike)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from app.core.ctx import CTX_X_REQUEST_ID
from app.core.log import LOG_FORMAT, setup_logging
from app.core.responses import Success
from tests.core.bare import bare_app, client_for


@pytest.fixture
def lines() -> Iterator[list[str]]:
    """Every formatted line, through a sink added after set-up (as a deployment's extra sink would be)."""
    setup_logging("DEBUG", None)
    captured: list[str] = []
    sink_id = logger.add(captured.append, format=LOG_FORMAT, colorize=False, level="DEBUG")
    yield captured
    logger.remove(sink_id)
    setup_logging("WARNING", None)


def test_lines_outside_a_request_show_a_dash(lines: list[str]) -> None:
    logger.info("no request here")
    assert " | - | " in lines[-1]


def test_the_context_request_id_is_in_loguru_and_stdlib_lines(lines: list[str]) -> None:
    token = CTX_X_REQUEST_ID.set("req-ctx-0001")
    try:
        logger.warning("from loguru")
        logging.getLogger("some.library").warning("from the standard library")
    finally:
        CTX_X_REQUEST_ID.reset(token)
    assert len(lines) == 2
    assert all("| req-ctx-0001 |" in line for line in lines)
    assert "from the standard library" in lines[1]


def test_an_explicit_bind_wins_over_the_context(lines: list[str]) -> None:
    logger.bind(request_id="bound-id-123").info("bound")
    assert "| bound-id-123 |" in lines[-1]


async def test_every_line_of_a_request_carries_its_response_request_id() -> None:
    application = bare_app(LOG_LEVEL="DEBUG")  # create_app sets logging up itself
    lines: list[str] = []
    logger.add(lines.append, format=LOG_FORMAT, colorize=False, level="DEBUG")

    @application.get("/test/log")
    async def write_logs() -> Success:
        logger.info("handler line one")
        logging.getLogger("uvicorn.error").error("handler line two")
        return Success()

    try:
        async with client_for(application) as http:
            response = await http.get("/test/log")
    finally:
        setup_logging("WARNING", None)
    request_id = response.headers["x-request-id"]
    handler_lines = [line for line in lines if "handler line" in line]
    assert len(handler_lines) == 2
    assert all(f"| {request_id} |" in line for line in handler_lines)


def test_file_sinks_write_the_request_id(tmp_path: Path) -> None:
    setup_logging("INFO", tmp_path)
    token = CTX_X_REQUEST_ID.set("file-req-0001")
    try:
        logger.info("to the info file")
        logger.error("to the error file")
    finally:
        CTX_X_REQUEST_ID.reset(token)
    logger.complete()
    setup_logging("WARNING", None)  # removes (and flushes) the file sinks
    info = "".join(p.read_text() for p in (tmp_path / "info").iterdir())
    error = "".join(p.read_text() for p in (tmp_path / "error").iterdir())
    assert "file-req-0001" in info and "to the info file" in info and "to the error file" not in info
    assert "file-req-0001" in error and "to the error file" in error
