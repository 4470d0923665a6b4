"""Authorisation core: the caller's permission snapshot and its cache.

``AuthzRuntime`` validates per-worker snapshots with one Redis round trip;
``AuthzSource`` is the database side the system plugs in; ``keys`` names the
Redis keys. See docs/caching.md.
"""

from __future__ import annotations

from contextvars import ContextVar

from app.core.authz import keys
from app.core.authz.model import (
    DEFAULT_HOME,
    SCOPE_BREADTH,
    SUPER_ADMIN_ROLE,
    Access,
    AuthzSource,
    Principal,
    RoleGrant,
    merge_access,
)
from app.core.authz.runtime import AuthzRuntime, Resolved

__all__ = [
    "CTX_ACCESS",
    "DEFAULT_HOME",
    "SCOPE_BREADTH",
    "SUPER_ADMIN_ROLE",
    "Access",
    "AuthzRuntime",
    "AuthzSource",
    "Principal",
    "Resolved",
    "RoleGrant",
    "get_authz",
    "keys",
    "merge_access",
    "set_authz",
]

#: The current request's merged permissions (set by ``DependAuth``).
CTX_ACCESS: ContextVar[Access | None] = ContextVar("authz_access", default=None)

_current: list[AuthzRuntime] = []


def set_authz(runtime: AuthzRuntime) -> None:
    """Make ``runtime`` the process's permission runtime (done by the composition root)."""
    _current[:] = [runtime]


def get_authz() -> AuthzRuntime:
    """The process's permission runtime (services call its refresh helpers through the system)."""
    if not _current:
        raise RuntimeError("no AuthzRuntime configured; create_app() sets one")
    return _current[0]
