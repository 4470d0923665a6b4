"""Password hashing (Argon2) and signed tokens (JWT HS256).

Hashing is CPU-bound (tens of milliseconds by design), so it always runs in
its own bounded thread pool (``PASSWORD_HASH_THREADS`` per worker) whose
threads run at the lowest CPU priority on Linux: a login storm then takes
only the CPU that serving requests leaves idle, and other requests keep their
latency (measured: docs/performance.md). ``configure_security`` is called by
the composition root; nothing here reads settings at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.core.config import Settings

ACCESS_TOKEN = "accessToken"
REFRESH_TOKEN = "refreshToken"
ALGORITHM = "HS256"


class TokenError(Exception):
    """Base of token decoding failures."""


class TokenExpiredError(TokenError):
    """The token's ``exp`` is in the past."""


class TokenInvalidError(TokenError):
    """Bad signature, bad algorithm, malformed token or payload."""


@dataclass(frozen=True)
class TokenData:
    """The ``data`` claim of a Trellis token."""

    user_id: int
    user_name: str
    token_type: str
    token_version: int
    impersonator_id: int | None = None


@dataclass
class _State:
    hasher: PasswordHasher
    secret: str
    access_minutes: int
    refresh_minutes: int
    hash_threads: int = 1
    pool: ThreadPoolExecutor | None = None
    dummy_hash: str | None = None


_state: _State | None = None


def configure_security(settings: Settings) -> None:
    """Bind hashing parameters and the signing key from ``settings``."""
    global _state
    hasher = PasswordHasher(
        time_cost=settings.ARGON2_TIME_COST,
        memory_cost=settings.ARGON2_MEMORY_COST,
        parallelism=settings.ARGON2_PARALLELISM,
    )
    _VERIFIED.clear()
    pool = None
    if _state is not None and _state.pool is not None:  # reconfigured (another app in this process): keep or retire the threads
        if _state.hash_threads == settings.PASSWORD_HASH_THREADS:
            pool = _state.pool
        else:
            _state.pool.shutdown(wait=False)
    _state = _State(
        hasher,
        settings.secret,
        settings.JWT_ACCESS_TOKEN_EXPIRE_MINUTES,
        settings.JWT_REFRESH_TOKEN_EXPIRE_MINUTES,
        hash_threads=settings.PASSWORD_HASH_THREADS,
        pool=pool,
    )


def _current() -> _State:
    if _state is None:
        raise RuntimeError("security is not configured; create_app() calls configure_security()")
    return _state


#: Nice value of the hashing threads (Linux: per thread; 19 is the lowest priority).
HASH_THREAD_NICE = 19
T = TypeVar("T")


def _lowest_priority() -> None:
    """Run in each hashing thread once: on Linux ``setpriority`` with a thread id renices only that thread."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICE)


def _pool(state: _State) -> ThreadPoolExecutor:
    # Created lazily and shared by every event loop of the process. Hashes run at most
    # ``hash_threads`` at a time per worker, at the lowest priority, so a login storm
    # leaves CPU for every other request instead of queueing them behind Argon2.
    if state.pool is None:
        state.pool = ThreadPoolExecutor(state.hash_threads, thread_name_prefix="argon2", initializer=_lowest_priority)
    return state.pool


async def _off_loop(state: _State, fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool(state), fn, *args)


# ---- passwords ------------------------------------------------------------
async def hash_password(password: str) -> str:
    """Argon2 hash of ``password``, computed off the event loop."""
    state = _current()
    return await _off_loop(state, state.hasher.hash, password)


def _verify(hasher: PasswordHasher, hashed: str, password: str) -> bool:
    try:
        return hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password: str, hashed: str | None) -> bool:
    """True when ``password`` matches ``hashed``.

    With ``hashed=None`` (unknown user) a dummy hash is verified instead, so
    the answer takes as long as for a real user: no enumeration by timing.
    """
    state = _current()
    if hashed is None:
        if state.dummy_hash is None:
            state.dummy_hash = await _off_loop(state, state.hasher.hash, os.urandom(16).hex())
        await _off_loop(state, _verify, state.hasher, state.dummy_hash, password)
        return False
    return await _off_loop(state, _verify, state.hasher, hashed, password)


def needs_rehash(hashed: str) -> bool:
    """True when ``hashed`` was made with other Argon2 parameters than the current ones."""
    try:
        return _current().hasher.check_needs_rehash(hashed)
    except InvalidHashError:
        return True


# ---- tokens -----------------------------------------------------------------
def _encode(data: dict[str, Any], issued_at: int, minutes: int, secret: str) -> str:
    payload = {"data": data, "iat": issued_at, "exp": issued_at + minutes * 60}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def create_token_pair(user_id: int, user_name: str, token_version: int, impersonator_id: int | None = None) -> tuple[str, str]:
    """(access token, refresh token) sharing one ``iat``."""
    state = _current()
    now = int(time.time())
    base: dict[str, Any] = {"userId": user_id, "userName": user_name, "tokenVersion": token_version}
    if impersonator_id is not None:
        base["impersonatorId"] = impersonator_id
    access = _encode({**base, "tokenType": ACCESS_TOKEN}, now, state.access_minutes, state.secret)
    refresh = _encode({**base, "tokenType": REFRESH_TOKEN}, now, state.refresh_minutes, state.secret)
    return access, refresh


def create_token(data: dict[str, Any], *, minutes: int) -> str:
    """Sign an arbitrary ``data`` claim (tests and tools: expired or odd tokens)."""
    return _encode(data, int(time.time()), minutes, _current().secret)


#: Verified tokens of this process: token -> (claims, exp). Verifying a signature
#: costs more than the rest of a cached request; expiry is still checked on every use.
_VERIFIED: dict[str, tuple[TokenData, int]] = {}
_VERIFIED_MAX = 20_000


def decode_token(token: str) -> TokenData:
    """Verify signature (HS256 only) and expiry; parse the ``data`` claim.

    Raises ``TokenExpiredError`` or ``TokenInvalidError``.
    """
    hit = _VERIFIED.get(token)
    if hit is not None:
        if hit[1] > time.time():
            return hit[0]
        _VERIFIED.pop(token, None)
        raise TokenExpiredError
    return _verify_token(token)


def _verify_token(token: str) -> TokenData:
    try:
        payload = jwt.decode(token, _current().secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat"], "verify_aud": False})
    except jwt.ExpiredSignatureError:
        raise TokenExpiredError from None
    except jwt.PyJWTError:
        raise TokenInvalidError from None
    data = payload.get("data")
    if not isinstance(data, dict):
        raise TokenInvalidError
    try:
        impersonator = data.get("impersonatorId")
        claims = TokenData(
            user_id=_as_int(data["userId"]),
            user_name=str(data.get("userName") or ""),
            token_type=str(data.get("tokenType") or ""),
            token_version=_as_int(data.get("tokenVersion", 0)),
            impersonator_id=_as_int(impersonator) if impersonator is not None else None,
        )
        expires = _as_int(payload["exp"])
    except (KeyError, TypeError, ValueError):
        raise TokenInvalidError from None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.pop(next(iter(_VERIFIED)))
    _VERIFIED[token] = (claims, expires)
    return claims


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer claim")
    return value
