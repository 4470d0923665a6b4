"""Wire identity and access into an app: security settings, the permission runtime, its DB source, the page cache."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.authz import AuthzRuntime, set_authz
from app.core.code import Code
from app.core.config import Settings
from app.core.exceptions import register_unique_constraint
from app.core.lifecycle import AppHooks
from app.core.page_cache import PageCache, set_page_cache
from app.core.security import configure_security, verify_password
from app.core.write_tracking import install_write_tracking
from app.core.write_tracking import set_listener as set_write_listener
from app.system.services.authz_source import SystemAuthzSource


def setup_authz(app: FastAPI, settings: Settings, hooks: AppHooks) -> AuthzRuntime:
    """Create the app's ``AuthzRuntime`` (``app.state.authz``) bound to the system tables."""
    configure_security(settings)
    pages = PageCache(settings.PAGE_CACHE_ENTRIES, settings.PAGE_CACHE_MAX_AGE_SECONDS)
    runtime = AuthzRuntime(lambda: getattr(app.state, "redis", None), mux_getter=lambda: getattr(app.state, "redis_mux", None), pages=pages)
    runtime.bind_source(SystemAuthzSource())
    app.state.authz = runtime
    set_authz(runtime)
    register_unique_constraint("user_name", Code.DUPLICATE_USER_NAME)
    register_unique_constraint("user_email", Code.DUPLICATE_USER_EMAIL)

    async def bind() -> None:
        set_authz(runtime)
        set_page_cache(pages)
        runtime.clear_local()
        pages.clear()
        install_write_tracking()
        set_write_listener(runtime.data_written)

    async def warm_dummy_hash() -> None:
        # The first unknown-user login must not pay for making the dummy hash.
        await verify_password("", None)

    async def unbind() -> None:
        # Another app started later in this process (tests, an embedding server) must not
        # have its writes reach this one's closed Redis clients.
        previous = set_write_listener(None)
        if previous != runtime.data_written:
            set_write_listener(previous)  # not ours: leave it

    hooks.on_init("authz: bind runtime", bind)
    hooks.on_worker_start("authz: bind runtime", bind)
    hooks.on_shutdown("authz: unbind write listener", unbind)
    hooks.on_worker_start("authz: dummy hash", warm_dummy_hash)
    return runtime
