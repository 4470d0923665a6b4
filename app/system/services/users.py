"""User administration: unique identities, hashed passwords, role links, forced logout.

Every write refreshes the affected users' cached roles (and revokes sessions
where the spec says so) before it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from app.core.authz import get_authz
from app.core.code import Code
from app.core.crud import build_search
from app.core.database import get_db_conn
from app.core.exceptions import BizError, NotFoundError
from app.core.model import StatusType
from app.core.page_cache import cached_page
from app.core.security import hash_password
from app.system.controllers import role_controller, user_controller
from app.system.models import User
from app.system.schemas.common import field_values
from app.system.schemas.users import UserCreate, UserSearch, UserUpdate
from app.system.services import manage_cache

#: (column, code) of the identities no two users may share.
_UNIQUE = (("user_name", Code.DUPLICATE_USER_NAME), ("user_email", Code.DUPLICATE_USER_EMAIL), ("user_phone", Code.DUPLICATE_USER_PHONE))
#: Columns that cannot hold null: an explicit null in an update leaves them unchanged.
_NOT_NULL = frozenset({"user_name", "user_gender", "status_type"})
_NOT_COLUMNS = frozenset({"password", "by_user_role_code_list"})


def user_record(user: User, role_codes: Sequence[str]) -> dict[str, Any]:
    """The user row the frontend lists (api.md §6.5): never the password."""
    row = user.to_dict(exclude_fields=["password"])
    row["byUserRoleCodeList"] = list(role_codes)
    return row


async def role_codes_by_id() -> dict[int, str]:
    """Every role's code by id, kept per permission epoch (role writes bump it)."""
    return await get_authz().memo("system:role_codes_by_id", role_controller.codes_by_id)


async def role_codes_by_user(user_ids: Sequence[int]) -> dict[int, list[str]]:
    """Every linked role code (disabled ones included) per user, in role-id order.

    The id → code map is kept per permission epoch (role writes bump it), so a
    page costs one link-table query; a role newer than the map forces a reload.
    """
    links = await user_controller.role_ids_by_user(user_ids)
    codes = await role_codes_by_id()
    if any(rid not in codes for rids in links.values() for rid in rids):
        codes = await role_controller.codes_by_id()
    return {uid: [codes[rid] for rid in rids if rid in codes] for uid, rids in links.items()}


async def search_users(query: UserSearch) -> tuple[int, list[dict[str, Any]]]:
    """One page of users, reused until the next write anywhere (``app.core.page_cache``)."""
    return await cached_page(("system.users.search", query.model_dump_json()), partial(_load_users_page, query))


async def _load_users_page(query: UserSearch) -> tuple[int, list[dict[str, Any]]]:
    """One page of users: substring names/phone/email, exact gender/status, any-of role codes."""
    search = build_search(query, contains=("user_name", "nick_name", "user_phone", "user_email"), exact=("user_gender", "status_type"))
    counter: Callable[[], Awaitable[int]] | None = None
    if query.by_user_role_code_list:
        wanted = set(query.by_user_role_code_list)
        by_id = await role_codes_by_id()
        if not wanted <= set(by_id.values()):  # unknown, or newer than this epoch's map
            by_id = await role_controller.codes_by_id()
        role_ids = [rid for rid, code in by_id.items() if code in wanted]
        if not search.filters and not search.children:  # roles only: count on the link table's index
            counter = partial(user_controller.count_with_roles, role_ids)
        search &= user_controller.role_filter(role_ids)
    total, users = await user_controller.list(query.current, query.size, search, query.order_by, counter=counter)
    codes = await role_codes_by_user([user.id for user in users])
    return total, [user_record(user, codes.get(user.id, [])) for user in users]


async def get_user(user_id: int) -> dict[str, Any]:
    user = await user_controller.get(user_id)
    codes = await role_codes_by_user([user_id])
    return user_record(user, codes.get(user_id, []))


async def _check_unique(values: dict[str, Any], exclude_id: int | None = None) -> None:
    for column, code in _UNIQUE:
        value = values.get(column)
        if value and await user_controller.taken(column, value, exclude_id):
            raise BizError(code)


async def create_user(data: UserCreate) -> int:
    """Create a user with a hashed password and its roles (unknown role codes are dropped)."""
    values = field_values(data, exclude=_NOT_COLUMNS)
    values.setdefault("nick_name", data.user_name)
    await _check_unique(values)
    assert data.password is not None
    values["password"] = await hash_password(data.password)
    async with get_db_conn(User)._in_transaction():
        user = await user_controller.create(values)
        await user_controller.set_roles(user, data.by_user_role_code_list or [])
    await manage_cache.users_changed([user.id])
    return user.id


async def update_user(user_id: int, data: UserUpdate) -> int:
    """Write the sent fields; a new password or leaving "enabled" ends the user's sessions."""
    values = {
        name: getattr(data, name)
        for name in data.model_fields_set - _NOT_COLUMNS
        if getattr(data, name) is not None or name not in _NOT_NULL
    }
    user = await user_controller.get(user_id)
    await _check_unique(values, exclude_id=user_id)
    revoke = bool(data.password)
    if data.password:
        values["password"] = await hash_password(data.password)
    new_status = values.get("status_type")
    if new_status is not None and user.status_type == StatusType.enable and new_status != StatusType.enable:
        revoke = True
    async with get_db_conn(User)._in_transaction():
        user = await user_controller.update(user_id, values)
        await user_controller.set_roles(user, data.by_user_role_code_list or [])
    if revoke:
        await manage_cache.sessions_revoked([user_id])
    await manage_cache.users_changed([user_id])
    return user_id


async def delete_users(user_ids: Sequence[int], *, strict: bool) -> list[int]:
    """Delete users (``strict``: a missing id is 1101, else missing ids are skipped)."""
    async with get_db_conn(User)._in_transaction():
        found = await user_controller.existing_ids(user_ids)
        if strict and len(found) < len(set(user_ids)):
            raise NotFoundError
        for user in await User.filter(id__in=found):
            await user.by_user_roles.clear()
        if found:
            await User.filter(id__in=found).delete()
    await manage_cache.users_changed(found)
    return found


async def force_offline(user_ids: Sequence[int]) -> int:
    """End every session of these users; all must exist (1101 before anything changes)."""
    wanted = sorted(set(user_ids))
    found = await user_controller.existing_ids(wanted)
    if len(found) < len(wanted):
        raise NotFoundError
    await manage_cache.sessions_revoked(found)
    return len(user_ids)


async def force_offline_by_roles(role_codes: Sequence[str]) -> int:
    """End every session of every user holding any of these roles; returns how many users."""
    user_ids = await user_controller.ids_with_roles(role_codes)
    if user_ids:
        await manage_cache.sessions_revoked(user_ids)
    return len(user_ids)
