"""The per-worker permission snapshot and its one-round-trip validation.

Steady state, an authenticated request costs one ``MGET authz:epoch
token_version:{uid} user:{uid}:rev data:version`` and no database query: the user's merged permissions
(``Access``) live in this process and stay valid while the epoch is
unchanged. Every write that changes who may see or call what INCRs the epoch
after its commit, so each worker drops its snapshot on the very next request.
Token versions and per-user revisions are read on every request, so a
revocation or a change to one user needs no global bump. ``data:version``
validates the page cache (``app.core.page_cache``): every committed write
replaces it (``data_written``).

When Redis is unreachable the snapshot cannot be validated: every request
then loads from the database (rate-limited WARNING) and Redis is retried
after a short back-off; on recovery the process forgets its snapshot and one
process (``authz:resync_lock``) rewrites the Redis keys from the database.
See docs/caching.md.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from loguru import logger
from redis.asyncio import Redis

from app.core.authz.keys import DATA_VERSION_KEY, EPOCH_KEY, RESYNC_LOCK_KEY, token_version_key, user_rev_key
from app.core.authz.model import SUPER_ADMIN_ROLE, Access, AuthzSource, RoleGrant, merge_access
from app.core.page_cache import PageCache
from app.core.redis import REDIS_ERRORS
from app.core.redis_mux import RedisMux

T = TypeVar("T")
_UNSET = "\x00unset"


@dataclass(frozen=True)
class Resolved:
    """The outcome of one lookup: the snapshot (None: user gone) and the current token version."""

    access: Access | None
    token_version: int


class AuthzRuntime:
    """One per app: Redis health, the epoch and the in-process snapshots."""

    def __init__(
        self,
        redis_getter: Callable[[], Redis | None],
        *,
        retry_seconds: float = 1.0,
        warn_interval: float = 30.0,
        max_users: int = 50_000,
        mux_getter: Callable[[], RedisMux | None] = lambda: None,
        pages: PageCache | None = None,
    ) -> None:
        self._redis_getter = redis_getter
        self._mux_getter = mux_getter
        self.source: AuthzSource | None = None
        self.retry_seconds = retry_seconds
        self.warn_interval = warn_interval
        self.max_users = max_users
        self._epoch: str | None = _UNSET
        self._access: dict[int, tuple[Access, str | None]] = {}
        self._memo: dict[str, Any] = {}
        self._grants: dict[str, RoleGrant] = {}
        self._all_buttons: frozenset[str] | None = None
        self._down_until = 0.0
        self._down = False
        self._last_warning = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.pages = pages if pages is not None else PageCache()
        self._bump_retry: asyncio.Task[None] | None = None
        self._loading: dict[tuple[Any, ...], asyncio.Task[Access | None]] = {}

    # ---- wiring --------------------------------------------------------------
    def bind_source(self, source: AuthzSource) -> None:
        self.source = source

    def _source(self) -> AuthzSource:
        if self.source is None:
            raise RuntimeError("no AuthzSource bound; the composition root must call bind_source()")
        return self.source

    # ---- Redis health ----------------------------------------------------------
    @property
    def redis(self) -> Redis | None:
        """The client, or None while Redis is known to be down (back-off window)."""
        if self._down and time.monotonic() < self._down_until:
            return None
        return self._redis_getter()

    @property
    def redis_down(self) -> bool:
        return self._down

    def warn(self, message: str, *args: Any) -> None:
        """A WARNING at most once per ``warn_interval`` seconds."""
        now = time.monotonic()
        if now - self._last_warning >= self.warn_interval:
            self._last_warning = now
            logger.warning(message, *args)

    def mark_down(self, exc: BaseException, what: str) -> None:
        self._down = True
        self._down_until = time.monotonic() + self.retry_seconds
        self.warn("Redis unreachable during {} ({}): using the database until it returns", what, type(exc).__name__)

    def mark_up(self) -> None:
        if not self._down:
            return
        self._down = False
        logger.warning("Redis is reachable again: dropping local snapshots and resynchronising the cache")
        self.clear_local()
        self.pages.clear()
        self._spawn(self._resync())

    async def call(self, what: str, func: Callable[[Redis], Awaitable[T]]) -> T | None:
        """Run ``func(redis)``; None (and a rate-limited warning) when Redis is unreachable."""
        redis = self.redis
        if redis is None:
            return None
        try:
            result = await func(redis)
        except REDIS_ERRORS as exc:
            self.mark_down(exc, what)
            return None
        self.mark_up()
        return result

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resync(self) -> None:
        async def take(redis: Redis) -> Any:
            return await redis.set(RESYNC_LOCK_KEY, "1", nx=True, ex=30)

        if not await self.call("resync lock", take):
            return
        try:
            await self._source().resync_cache()
        except Exception:  # noqa: BLE001 - a background repair must not crash the worker
            logger.exception("permission cache resync failed")

    # ---- snapshots -------------------------------------------------------------
    def clear_local(self) -> None:
        """Forget every snapshot of this process (the next request reloads)."""
        self._epoch = _UNSET
        self._access.clear()
        self._grants.clear()
        self._memo.clear()
        self._all_buttons = None

    def forget_user(self, user_id: int) -> None:
        self._access.pop(user_id, None)

    async def touch_user(self, user_id: int) -> None:
        """Invalidate one user's snapshot in every worker (call after the commit)."""
        self.forget_user(user_id)

        async def incr(redis: Redis) -> Any:
            return await redis.incr(user_rev_key(user_id))

        await self.call("user revision bump", incr)

    async def memo(self, key: str, loader: Callable[[], Awaitable[T]]) -> T:
        """A value cached in this process until the epoch moves.

        Only meaningful after ``resolve`` validated the epoch in this request;
        while Redis is down it always calls ``loader``.
        """
        if self._down or self._epoch == _UNSET:
            return await loader()
        if key in self._memo:
            cached: T = self._memo[key]
            return cached
        epoch = self._epoch
        value = await loader()
        if self._epoch == epoch:
            self._memo[key] = value
        return value

    def _sync_epoch(self, epoch: str | None) -> None:
        if epoch == self._epoch:
            return
        if epoch is None and self._epoch not in (None, _UNSET):
            # The epoch vanished while Redis is up: its data was lost (restart without persistence).
            self._spawn(self._resync())
        self.clear_local()
        self._epoch = epoch

    async def bump_epoch(self) -> None:
        """Invalidate every worker's snapshot (call after the database commit)."""
        self.clear_local()

        async def incr(redis: Redis) -> Any:
            return await redis.incr(EPOCH_KEY)

        await self.call("epoch bump", incr)

    async def resolve(self, user_id: int) -> Resolved:
        """The caller's snapshot and current token version: one Redis round trip when warm."""

        keys = (EPOCH_KEY, token_version_key(user_id), user_rev_key(user_id), DATA_VERSION_KEY)

        async def mget(redis: Redis) -> list[Any]:
            mux = self._mux_getter()
            if mux is not None:
                result: list[Any] = await mux.execute("MGET", *keys)
                return result
            return await redis.mget(*keys)

        values = await self.call("authentication", mget)
        if values is None:
            self.pages.observe(None)
            access = await self._load(user_id, cached=False)
            return Resolved(access, access.principal.token_version if access else 0)
        epoch, raw_version, rev, data_version = values
        self._sync_epoch(epoch)
        self.pages.observe(data_version)
        if data_version is None:
            self._spawn(self._seed_data_version())
        entry = self._access.get(user_id)
        redis_version = int(raw_version) if raw_version is not None else None
        stale = entry is None or entry[1] != rev
        if entry is not None and redis_version is not None and redis_version > entry[0].principal.token_version:
            stale = True  # a revocation: re-read the row so a disabled user sees 2102 first
        if entry is None or stale:
            access = await self._load_once(user_id, (user_id, epoch, rev, redis_version))
            if access is None:
                return Resolved(None, 0)
            if self._epoch == epoch:
                self._store(user_id, (access, rev))
        else:
            access = entry[0]
        db_version = access.principal.token_version
        if redis_version is None:
            await self._seed_version(user_id, db_version)
        return Resolved(access, max(db_version, redis_version or 0))

    # ---- data version (page cache) ---------------------------------------------
    async def data_written(self) -> None:
        """A database write committed: every worker's pages are stale (call after the commit).

        When Redis cannot take the new token this worker serves no page and
        retries in the background until it can.
        """
        self.pages.local_write()
        if not await self._replace_data_version():
            self.pages.pending_bump = True
            if self._bump_retry is None or self._bump_retry.done():
                self._bump_retry = asyncio.get_running_loop().create_task(self._retry_data_version())

    async def _replace_data_version(self) -> bool:
        async def replace(redis: Redis) -> Any:
            return await redis.set(DATA_VERSION_KEY, secrets.token_hex(8))

        done = bool(await self.call("data version bump", replace))
        if done:
            self.pages.pending_bump = False
        return done

    async def _retry_data_version(self) -> None:
        while self.pages.pending_bump:
            await asyncio.sleep(self.retry_seconds)
            if await self._replace_data_version():
                self.pages.clear()

    async def _seed_data_version(self) -> None:
        async def set_nx(redis: Redis) -> Any:
            return await redis.set(DATA_VERSION_KEY, secrets.token_hex(8), nx=True)

        await self.call("data version seed", set_nx)

    def _store(self, user_id: int, entry: tuple[Access, str | None]) -> None:
        if len(self._access) >= self.max_users:
            self._access.pop(next(iter(self._access)))
        self._access[user_id] = entry

    async def _seed_version(self, user_id: int, version: int) -> None:
        async def set_nx(redis: Redis) -> Any:
            return await redis.set(token_version_key(user_id), version, nx=True)

        await self.call("token version seed", set_nx)

    async def _load_once(self, user_id: int, seen: tuple[Any, ...]) -> Access | None:
        """``_load``, shared by the concurrent requests that saw the same state (``seen``).

        A login bumps its user's revision, so every request of that user in
        flight misses at once; each used to reload (a thundering herd of
        identical queries that starved the database connection under a login
        storm). A load joined here started after its starter saw ``seen``, so
        it is as fresh as a load of one's own. The load runs as its own task:
        a cancelled request does not cancel it for the others.
        """
        task = self._loading.get(seen)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._load(user_id, cached=True))
            self._loading[seen] = task

            def finished(done: asyncio.Task[Access | None]) -> None:
                if self._loading.get(seen) is done:
                    del self._loading[seen]
                if not done.cancelled():
                    done.exception()  # retrieved here, raised to every waiter

            task.add_done_callback(finished)
        return await asyncio.shield(task)

    async def _load(self, user_id: int, *, cached: bool) -> Access | None:
        """Load from the database; with ``cached`` reuse and fill the per-role cache.

        Entries are only kept when the epoch did not move during the load, so
        a slow load that raced a write never outlives that write.
        """
        source = self._source()
        epoch = self._epoch
        principal = await source.load_principal(user_id)
        if principal is None:
            return None
        codes = principal.role_codes
        grants: dict[str, RoleGrant] = {code: self._grants[code] for code in codes if cached and code in self._grants}
        missing = [code for code in codes if code not in grants]
        if missing:
            loaded = await source.load_role_grants(missing)
            grants.update({code: loaded.get(code) or RoleGrant(code) for code in missing})
        all_buttons = self._all_buttons if cached else None
        if SUPER_ADMIN_ROLE in codes and all_buttons is None:
            all_buttons = await source.all_button_codes()
        if cached and self._epoch == epoch:
            self._grants.update(grants)
            if all_buttons is not None:
                self._all_buttons = all_buttons
        return merge_access(principal, grants, all_buttons)

    async def access_for(self, user_id: int) -> Access | None:
        """The snapshot of any user (e.g. for services acting on a user other than the caller)."""
        return (await self.resolve(user_id)).access
