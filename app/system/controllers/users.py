"""User rows and their role links."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.crud import CRUDBase
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

    async def role_codes_by_user(self, user_ids: Sequence[int]) -> dict[int, list[str]]:
        """Every linked role code (disabled ones included) per user, in one query."""
        out: dict[int, list[str]] = {pk: [] for pk in user_ids}
        if not user_ids:
            return out
        # Start from the users (primary key) and walk the link table by its (users_id, role_id)
        # index; starting from roles made SQLite scan the link table on every page.
        rows = await User.filter(id__in=list(user_ids)).order_by("by_user_roles__id").values_list("id", "by_user_roles__role_code")
        for user_id, code in rows:
            if code is not None:
                out.setdefault(int(user_id), []).append(str(code))
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
