"""Loguru set-up: console plus rotating files, the request id in every line.

Standard-library logging (uvicorn, granian, tortoise, guard) is routed into
loguru so there is one format and one set of files.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from loguru import logger

from app.core.ctx import CTX_X_REQUEST_ID

LOG_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{extra[request_id]}</cyan> | {name}:{function}:{line} - <level>{message}</level>"
)

#: Libraries whose own logging is too chatty at INFO.
QUIET_LOGGERS = ("tortoise", "aiosqlite", "asyncio", "httpx", "valkey", "redis")


class _InterceptHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        message, exc_info = record.getMessage(), record.exc_info
        if exc_info and record.levelno < logging.ERROR:
            # Libraries' retry warnings (asyncpg's pool floor during a database outage) would
            # flood the log with a full traceback per attempt; the exception's type and text suffice.
            message, exc_info = f"{message}: {exc_info[0].__name__ if exc_info[0] else ''}: {exc_info[1]}", None
        logger.opt(depth=6, exception=exc_info).log(level, message)


def _patch_request_id(record: Any) -> None:
    record["extra"].setdefault("request_id", CTX_X_REQUEST_ID.get() or "-")


def setup_logging(
    level: str = "INFO", log_dir: Path | None = None, info_retention: str = "30 days", error_retention: str = "90 days"
) -> None:
    """Configure sinks; safe to call more than once (replaces previous sinks)."""
    logger.remove()
    logger.configure(patcher=_patch_request_id)
    logger.add(sys.stdout, level=level, format=LOG_FORMAT, colorize=sys.stdout.isatty(), enqueue=False)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        logger.add(
            log_dir / "info" / "info_{time:YYYY-MM-DD}.log",
            level=level,
            format=LOG_FORMAT,
            rotation="00:00",
            retention=info_retention,
            filter=lambda r: r["level"].no < logging.ERROR,
            enqueue=True,
            colorize=False,
        )
        logger.add(
            log_dir / "error" / "error_{time:YYYY-MM-DD}.log",
            level="ERROR",
            format=LOG_FORMAT,
            rotation="00:00",
            retention=error_retention,
            enqueue=True,
            colorize=False,
            backtrace=False,
            diagnose=False,
        )
    logging.basicConfig(handlers=[_InterceptHandler()], level=0, force=True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
