"""Role rows and their menu, button, API and user links."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.crud import CRUDBase
from app.core.exceptions import NotFoundError
from app.system.controllers._links import exists_other, ints, unlink
from app.system.models import Api, Button, Menu, Role, User

ROLE_SORTABLE = ("id", "role_name", "role_code", "role_desc", "data_scope", "status_type", "by_role_home_id", "created_at", "updated_at")


class RoleController(CRUDBase[Role]):
    def __init__(self) -> None:
        super().__init__(Role, sortable_fields=ROLE_SORTABLE)

    async def taken(self, field: str, value: str, exclude_id: int | None = None) -> bool:
        return await exists_other(Role, exclude_id, **{field: value})

    async def codes_by_id(self) -> dict[int, str]:
        """Every role's code by id (disabled roles included)."""
        rows = await Role.all().values_list("id", "role_code")
        return {int(pk): str(code) for pk, code in rows}

    async def user_ids_of(self, role_ids: Sequence[int]) -> list[int]:
        """Users holding any of the roles."""
        rows = await User.filter(by_user_roles__id__in=list(role_ids)).distinct().values_list("id", flat=True)
        return sorted(set(ints(rows)))

    async def menu_ids(self, role_id: int) -> list[int]:
        return ints(await Menu.filter(by_menu_roles__id=role_id).values_list("id", flat=True))

    async def button_ids(self, role_id: int) -> list[int]:
        return ints(await Button.filter(by_button_roles__id=role_id).order_by("id").values_list("id", flat=True))

    async def api_ids(self, role_id: int) -> list[int]:
        return ints(await Api.filter(by_api_roles__id=role_id).order_by("id").values_list("id", flat=True))

    async def set_menus(self, role: Role, menu_ids: Sequence[int]) -> None:
        """Replace the role's menu links (ids must exist: the caller checked them)."""
        await role.by_role_menus.clear()
        if menu_ids:
            await role.by_role_menus.add(*await Menu.filter(id__in=list(menu_ids)))

    async def set_buttons(self, role: Role, button_ids: Sequence[int]) -> None:
        """Replace the role's buttons; any unknown id → ``NotFoundError`` before anything changes."""
        buttons = await Button.filter(id__in=list(button_ids)) if button_ids else []
        if len(buttons) < len(set(button_ids)):
            raise NotFoundError
        await role.by_role_buttons.clear()
        if buttons:
            await role.by_role_buttons.add(*buttons)

    async def set_apis(self, role: Role, api_ids: Sequence[int]) -> None:
        """Replace the role's APIs; any unknown id → ``NotFoundError`` before anything changes."""
        apis = await Api.filter(id__in=list(api_ids)) if api_ids else []
        if len(apis) < len(set(api_ids)):
            raise NotFoundError
        await role.by_role_apis.clear()
        if apis:
            await role.by_role_apis.add(*apis)

    async def all_button_ids(self) -> list[int]:
        return ints(await Button.all().order_by("id").values_list("id", flat=True))

    async def all_api_ids(self) -> list[int]:
        return ints(await Api.all().order_by("id").values_list("id", flat=True))

    async def codes_with_menus(self, menu_ids: Sequence[int]) -> list[str]:
        """Codes of roles linked to any of the menus (or using one as home)."""
        if not menu_ids:
            return []
        linked = await Role.filter(by_role_menus__id__in=list(menu_ids)).values_list("role_code", flat=True)
        homes = await Role.filter(by_role_home_id__in=list(menu_ids)).values_list("role_code", flat=True)
        return sorted({str(code) for code in [*linked, *homes]})

    async def codes_with_buttons(self, button_ids: Sequence[int]) -> list[str]:
        if not button_ids:
            return []
        rows = await Role.filter(by_role_buttons__id__in=list(button_ids)).values_list("role_code", flat=True)
        return sorted({str(code) for code in rows})

    async def codes_with_api(self, api_id: int) -> list[str]:
        rows = await Role.filter(by_role_apis__id=api_id).values_list("role_code", flat=True)
        return sorted({str(code) for code in rows})

    async def unlink_all(self, role: Role) -> None:
        """Drop every link of the role (users, menus, buttons, APIs) before deleting it."""
        await unlink(role, "by_role_users", "by_role_menus", "by_role_buttons", "by_role_apis")

    async def codes_of(self, role_ids: Sequence[int]) -> dict[int, str]:
        rows = await Role.filter(id__in=list(role_ids)).values_list("id", "role_code")
        return {int(pk): str(code) for pk, code in rows}


role_controller = RoleController()
