"""SMS verification codes: kept in Redis for CAPTCHA_TTL_SECONDS, single use.

Delivery is pluggable (``set_captcha_sender``); the default development
sender only logs the code.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from loguru import logger
from redis.asyncio import Redis

from app.core.authz import get_authz
from app.core.authz.keys import captcha_key
from app.core.code import Code
from app.core.exceptions import BizError

__all__ = ["CaptchaSender", "LogCaptchaSender", "consume_captcha", "send_captcha", "set_captcha_sender"]


class CaptchaSender(Protocol):
    """Delivers a code to a phone; False means the message could not be sent (2403)."""

    async def send(self, phone: str, code: str) -> bool: ...


class LogCaptchaSender:
    """Development sender: writes the code to the log instead of sending it."""

    async def send(self, phone: str, code: str) -> bool:
        logger.info("captcha for {}: {}", phone, code)
        return True


_sender: list[CaptchaSender] = [LogCaptchaSender()]


def set_captcha_sender(sender: CaptchaSender) -> None:
    """Install the production sender (e.g. an SMS gateway client)."""
    _sender[:] = [sender]


async def send_captcha(phone: str, ttl_seconds: int) -> None:
    """Store a fresh 6-digit code for ``phone`` and deliver it (2403 on failure, 1103 without Redis)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    key = captcha_key(phone)

    async def store(redis: Redis) -> Any:
        return await redis.set(key, code, ex=ttl_seconds)

    runtime = get_authz()
    if not await runtime.call("captcha store", store):
        raise BizError(Code.CACHE_UNAVAILABLE)
    if not await _sender[0].send(phone, code):

        async def drop(redis: Redis) -> Any:
            return await redis.delete(key)

        await runtime.call("captcha drop", drop)
        raise BizError(Code.CAPTCHA_SEND_FAILED)


async def consume_captcha(phone: str, code: str | None) -> None:
    """Check and burn the code for ``phone``; 2402 when missing, expired or wrong.

    A wrong guess burns the code too, so it cannot be brute-forced within its TTL.
    """
    if not code:
        raise BizError(Code.CAPTCHA_INVALID)

    async def take(redis: Redis) -> Any:
        return await redis.getdel(captcha_key(phone))

    stored = await get_authz().call("captcha check", take)
    # Bytes: compare_digest refuses str with non-ASCII characters (TypeError → 1000).
    if stored is None or not secrets.compare_digest(str(stored).encode(), code.encode()):
        raise BizError(Code.CAPTCHA_INVALID)
