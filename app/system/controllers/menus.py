"""Menu rows, their buttons, and the lookups menu rules need."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.crud import CRUDBase
from app.system.controllers._links import exists_other, ints, unlink
from app.system.models import Button, Menu, Role


class MenuController(CRUDBase[Menu]):
    def __init__(self) -> None:
        super().__init__(Menu)

    async def all_ordered(self) -> list[Menu]:
        return await Menu.all().order_by("id")

    async def buttons_by_menu(self, menu_ids: Sequence[int] | None = None) -> dict[int, list[Button]]:
        """Buttons of each menu (two queries whatever the number of menus)."""
        query = Menu.all() if menu_ids is None else Menu.filter(id__in=list(menu_ids))
        links = await query.filter(by_menu_buttons__id__isnull=False).values_list("id", "by_menu_buttons__id")
        button_ids = {int(button_id) for _, button_id in links}
        buttons = {b.id: b for b in await Button.filter(id__in=list(button_ids)).order_by("id")} if button_ids else {}
        out: dict[int, list[Button]] = {}
        for menu_id, button_id in sorted(links, key=lambda pair: (int(pair[0]), int(pair[1]))):
            button = buttons.get(int(button_id))
            if button is not None:
                out.setdefault(int(menu_id), []).append(button)
        return out

    async def taken(self, field: str, value: str, exclude_id: int | None = None) -> bool:
        return await exists_other(Menu, exclude_id, **{field: value})

    async def child_parents(self, menu_ids: Sequence[int]) -> set[int]:
        """Which of ``menu_ids`` have children outside ``menu_ids``."""
        rows = await Menu.filter(parent_id__in=list(menu_ids)).exclude(id__in=list(menu_ids)).values_list("parent_id", flat=True)
        return set(ints(rows))

    async def used_as_home(self, menu_ids: Sequence[int]) -> bool:
        return await Role.filter(by_role_home_id__in=list(menu_ids)).exists()

    async def id_by_name(self, menu_name: str) -> int | None:
        """The menu with that name (the frontend picks ``activeMenu`` by name); lowest id wins."""
        menu = await Menu.filter(menu_name=menu_name).order_by("id").only("id").first()
        return menu.id if menu is not None else None

    async def names_of(self, menu_ids: Sequence[int]) -> dict[int, str]:
        if not menu_ids:
            return {}
        return {int(pk): str(name) for pk, name in await Menu.filter(id__in=list(menu_ids)).values_list("id", "menu_name")}

    async def parents(self) -> dict[int, int]:
        """``id -> parent_id`` of every menu."""
        return {int(pk): int(parent) for pk, parent in await Menu.all().values_list("id", "parent_id")}

    async def button_ids_only_on(self, menu_ids: Sequence[int]) -> list[int]:
        """Buttons linked to these menus and to no other menu."""
        ids = {int(pk) for pk in menu_ids}
        mine = set(ints(await Button.filter(by_button_menus__id__in=list(ids)).values_list("id", flat=True)))
        if not mine:
            return []
        links = await Button.filter(id__in=list(mine)).values_list("id", "by_button_menus__id")
        shared = {int(pk) for pk, menu_id in links if menu_id is not None and int(menu_id) not in ids}
        return sorted(mine - shared)

    async def sync_buttons(self, menu: Menu, declared: Sequence[tuple[str, str]], actor: str | None) -> list[int]:
        """Make ``declared`` (code, desc) the menu's buttons; codes dropped from it are deleted everywhere.

        Returns the ids of the deleted buttons.
        """
        codes = [code for code, _ in declared]
        removed = [b.id for b in await menu.by_menu_buttons.all() if b.button_code not in codes]
        for button in await Button.filter(id__in=removed):
            await unlink(button, "by_button_roles", "by_button_menus")
        if removed:
            await Button.filter(id__in=removed).delete()
        existing = {b.button_code: b for b in await Button.filter(button_code__in=codes)} if codes else {}
        linked: list[Button] = []
        for code, desc in declared:
            found = existing.get(code)
            if found is None:
                found = await Button.create(button_code=code, button_desc=desc, created_by=actor)
                existing[code] = found
            elif found.button_desc != desc:
                found.button_desc = desc
                found.updated_by = actor
                await found.save(update_fields=["button_desc", "updated_by", "updated_at"])
            linked.append(found)
        await menu.by_menu_buttons.clear()
        if linked:
            await menu.by_menu_buttons.add(*linked)
        return removed

    async def delete_with_links(self, menu_ids: Sequence[int], button_ids: Sequence[int]) -> None:
        """Delete menus and the given buttons with every link to them (run inside a transaction)."""
        ids = list(menu_ids)
        await Menu.filter(active_menu_id__in=ids).update(active_menu_id=None)
        for button in await Button.filter(id__in=list(button_ids)):
            await unlink(button, "by_button_roles", "by_button_menus")
        if button_ids:
            await Button.filter(id__in=list(button_ids)).delete()
        for menu in await Menu.filter(id__in=ids):
            await unlink(menu, "by_menu_roles", "by_menu_buttons")
        await Menu.filter(id__in=ids).delete()


menu_controller = MenuController()
