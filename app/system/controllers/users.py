"""User rows and their role links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.crud import CRUDBase
from app.core.database import get_db_conn
from app.system.controllers._links import exists_other, ints
from app.system.models import Role, User

#: ``orderBy`` whitelist of the user list (never the password).
USER_SORTABLE = (
    "id",
    "user_name",
    "nick_name",
    "user_gender",
    "user_email",
    "user_phone",
    "status_type",
    "last_login",
    "created_at",
    "updated_at",
)


class UserController(CRUDBase[User]):
    def __init__(self) -> None:
        super().__init__(User, sortable_fields=USER_SORTABLE)

    async def taken(self, field: str, value: str, exclude_id: int | None = None) -> bool:
        """True when another user already has ``value`` in column ``field``."""
        return await exists_other(User, exclude_id, **{field: value})

    async def role_ids_by_user(self, user_ids: Sequence[int]) -> dict[int, list[int]]:
        """Linked role ids per user (ascending), straight from the link table in one query.

        Hand-written because it runs on every user page: the ORM's join query
        cost about 400 µs of Python per call against ~40 µs for this statement.
        The ids are integers from our own rows, so they are inlined safely.
        """
        out: dict[int, list[int]] = {int(pk): [] for pk in user_ids}
        if not out:
            return out
        link: Any = User._meta.fields_map["by_user_roles"]
        users, roles, table = link.backward_key, link.forward_key, link.through
        ids = ",".join(str(pk) for pk in out)
        sql = f"SELECT {users} AS u, {roles} AS r FROM {table} WHERE {users} IN ({ids}) ORDER BY {roles}"
        _, rows = await get_db_conn(User).execute_query(sql)
        for row in rows:
            out[int(row["u"])].append(int(row["r"]))
        return out

    async def set_roles(self, user: User, codes: Sequence[str]) -> list[str]:
        """Replace the user's roles by the known ones of ``codes`` (unknown codes are dropped)."""
        roles = await Role.filter(role_code__in=list(codes)) if codes else []
        await user.by_user_roles.clear()
        if roles:
            await user.by_user_roles.add(*roles)
        return [role.role_code for role in roles]

    async def ids_with_roles(self, codes: Sequence[str]) -> list[int]:
        """Ids of users linked to any of the role ``codes``."""
        rows = await User.filter(by_user_roles__role_code__in=list(codes)).distinct().values_list("id", flat=True)
        return sorted(set(ints(rows)))


user_controller = UserController()
