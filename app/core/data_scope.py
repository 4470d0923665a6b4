"""Row-level data scope: which rows of a table the caller may see.

Each role carries a ``data_scope`` (all / scope / custom / self). Across the
caller's enabled roles the most permissive wins: all > scope > custom > self;
``R_SUPER`` is always ``all``; no role means ``self``. Trellis departs from
the reference (where ``custom`` could never win): ``custom`` is "self plus
what a module's resolver grants" — with no resolver registered it filters
like ``self``. The scope comes from the caller's permission snapshot, so it
needs no extra Redis or database call and falls back to the database with the
rest of the snapshot when Redis is down. See docs/data-scope.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise.expressions import Q

from app.core.authz import CTX_ACCESS, SUPER_ADMIN_ROLE
from app.core.authz.model import resolve_data_scope  # the one fold, shared with merge_access
from app.core.ctx import CTX_USER_ID
from app.core.model import DataScopeType

__all__ = [
    "CustomScopeResolver",
    "build_scope_filter",
    "get_current_data_scope",
    "register_custom_scope_resolver",
    "resolve_data_scope",
]

CustomScopeResolver = Callable[[int, int | None], Q]
"""``(user_id, scope_id) -> Q`` granting ``custom`` roles their extra rows."""

_custom_resolvers: list[CustomScopeResolver] = []


def register_custom_scope_resolver(resolver: CustomScopeResolver | None) -> None:
    """Install (or with None remove) the filter used for the ``custom`` scope."""
    _custom_resolvers[:] = [resolver] if resolver is not None else []


def get_current_data_scope() -> DataScopeType:
    """The caller's data scope (``self`` outside an authenticated request)."""
    access = CTX_ACCESS.get()
    if access is None:
        return DataScopeType.self_
    if access.is_super or SUPER_ADMIN_ROLE in access.role_codes:
        return DataScopeType.all
    return DataScopeType(access.data_scope)


def _eq(field: str, value: Any) -> Q:
    lookup: dict[str, Any] = {field: value}
    return Q(**lookup)


def _nothing(field: str) -> Q:
    # Matches no row on every backend: a column cannot be both null and not null.
    return _eq(f"{field}__isnull", True) & _eq(f"{field}__not_isnull", True)


def build_scope_filter(
    scope: str,
    user_id: int | None,
    scope_id: int | None = None,
    user_id_field: str = "user_id",
    scope_id_field: str = "scope_id",
) -> Q:
    """A ``Q`` restricting a query to ``scope``.

    ``all`` → no restriction; ``scope`` with a ``scope_id`` → ``scope_id_field
    = scope_id``; ``custom`` → the registered resolver (else like ``self``);
    otherwise ``user_id_field = user_id``. Without a user id the filter
    matches nothing (Trellis fails closed; the reference returned everything).
    """
    if scope == DataScopeType.all:
        return Q()
    if scope == DataScopeType.scope and scope_id:
        return _eq(scope_id_field, scope_id)
    if not user_id:
        return _nothing(user_id_field)
    if scope == DataScopeType.custom and _custom_resolvers:
        return _custom_resolvers[0](user_id, scope_id)
    return _eq(user_id_field, user_id)


def current_scope_filter(scope_id: int | None = None, user_id_field: str = "user_id", scope_id_field: str = "scope_id") -> Q:
    """``build_scope_filter`` for the current caller."""
    return build_scope_filter(get_current_data_scope(), CTX_USER_ID.get() or None, scope_id, user_id_field, scope_id_field)
