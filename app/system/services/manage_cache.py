"""What the management services tell the permission cache after a write.

Every function here runs after the database commit and before the response,
so the next request of any affected user, in any worker or replica, sees the
change (the writers in ``authz_loader`` rewrite the Redis keys and bump the
epoch or the user's revision). The management services call only these
entry points.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.system.services import authz_loader
from app.system.services.session import invalidate_user_session


async def roles_changed(codes: Iterable[str] = (), *, removed_codes: Iterable[str] = (), user_ids: Iterable[int] = ()) -> None:
    """Roles' grants, status, code or home changed; ``removed_codes`` no longer exist.

    Deletes the keys of ``removed_codes``, reloads the keys of ``codes``
    (none are kept for a disabled role) and recomputes the role list and
    home of every user in ``user_ids``.
    """
    for code in sorted(set(removed_codes)):
        await authz_loader.delete_role_keys(code)
    for code in sorted(set(codes)):
        await authz_loader.load_role_permissions(code)
    await users_changed(user_ids)


async def users_changed(user_ids: Iterable[int]) -> None:
    """Users' role links or status changed (or they were deleted): recompute their role list and home."""
    ids = sorted(set(user_ids))
    if ids:
        await authz_loader.load_user_roles(ids)


async def sessions_revoked(user_ids: Iterable[int]) -> None:
    """End every session of these (existing) users now: their next request gets 2106."""
    for user_id in sorted(set(user_ids)):
        await invalidate_user_session(user_id)


async def menus_changed() -> None:
    """Menus changed: rebuild the constant routes and drop every worker's menu snapshot."""
    await authz_loader.load_constant_routes()
