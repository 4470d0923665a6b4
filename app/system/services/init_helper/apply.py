"""``apply_init_data``: run a whole declarative spec in the documented order."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from app.system.services.init_helper.dictionaries import ensure_dictionary
from app.system.services.init_helper.menus import ReconcileResult, ensure_menu, reconcile_menu_subtree
from app.system.services.init_helper.roles import ensure_role
from app.system.services.init_helper.types import InitData, MenuSpec, RouteKeys
from app.system.services.init_helper.users import ensure_user

#: Route keys used when ``apply_init_data`` gets none: set by the start-up
#: init while business inits run, so string API refs resolve without plumbing.
ACTIVE_ROUTE_KEYS: ContextVar[RouteKeys | None] = ContextVar("active_route_keys", default=None)


@dataclass
class InitReport:
    """Counts of what a spec touched (rows ensured, rows reaped by reconcile)."""

    menus: int = 0
    roles: int = 0
    users: int = 0
    dictionaries: int = 0
    reconciled: list[ReconcileResult] = field(default_factory=list)


async def apply_init_data(spec: InitData, *, overwrite: bool = True, route_keys: RouteKeys | None = None) -> InitReport:
    """Apply ``spec``: menus (each top menu, then its reconcile pass), roles, users, dictionaries.

    ``overwrite=True`` (the default, for business modules) re-syncs existing
    rows to the spec on every call; ``overwrite=False`` only creates what is
    missing and skips reconcile passes (how the system seeds run, so that
    administrators' edits survive restarts). ``route_keys`` resolves API
    references given as route names (see ``api_catalogue.route_keys``); by
    default the app's routes during start-up init.
    """
    report = InitReport()
    route_keys = route_keys if route_keys is not None else ACTIVE_ROUTE_KEYS.get()
    for menu in spec.get("menus") or []:
        if overwrite:
            # Buttons first: ensure_menu unlinks a renamed button before the
            # menu pass could see it, which would leave it orphaned for ever.
            await run_reconcile(menu, buttons_only=True)
        if await ensure_menu(menu, overwrite=overwrite) is not None:
            report.menus += count_menus(menu)
            if overwrite:
                report.reconciled.extend(await run_reconcile(menu))
    for role in spec.get("roles") or []:
        if await ensure_role(role, overwrite=overwrite, route_keys=route_keys) is not None:
            report.roles += 1
    for user in spec.get("users") or []:
        await ensure_user(user, overwrite=overwrite)
        report.users += 1
    for entry in spec.get("dictionaries") or []:
        await ensure_dictionary(entry, overwrite=overwrite)
        report.dictionaries += 1
    return report


def count_menus(menu: MenuSpec) -> int:
    return 1 + sum(count_menus(child) for child in menu.get("children") or [])


def declared_names(menu: MenuSpec) -> set[str]:
    """Route names of ``menu`` and all its declared descendants."""
    names = {menu["route_name"]}
    for child in menu.get("children") or []:
        names |= declared_names(child)
    return names


def declared_buttons(menu: MenuSpec) -> set[str]:
    """Button codes declared on ``menu`` and all its descendants."""
    codes = {button["button_code"] for button in menu.get("buttons") or []}
    for child in menu.get("children") or []:
        codes |= declared_buttons(child)
    return codes


def reconcile_flags(menu: MenuSpec) -> tuple[bool, bool]:
    """(menus, buttons) of a ``reconcile`` value: True = both, dict = as given (menus default on)."""
    flag = menu.get("reconcile")
    if isinstance(flag, dict):
        return bool(flag.get("menus", True)), bool(flag.get("buttons", False))
    return (True, True) if flag else (False, False)


async def run_reconcile(menu: MenuSpec, *, buttons_only: bool = False) -> list[ReconcileResult]:
    """Reconcile the subtree of the topmost menu(s) in ``menu`` that ask for it.

    ``buttons_only`` reaps undeclared buttons and keeps every menu (the pass
    run before the menus are re-synced).
    """
    menus_on, buttons_on = reconcile_flags(menu)
    if menus_on or buttons_on:
        if buttons_only and not buttons_on:
            return []
        names = declared_names(menu) if menus_on and not buttons_only else None
        codes = declared_buttons(menu) if buttons_on else None
        return [await _reconcile(menu["route_name"], names, codes)]
    results: list[ReconcileResult] = []
    for child in menu.get("children") or []:
        results.extend(await run_reconcile(child, buttons_only=buttons_only))
    return results


async def _reconcile(root: str, names: set[str] | None, codes: set[str] | None) -> ReconcileResult:
    if names is None:
        # Buttons only: every existing subtree menu counts as declared.
        from app.system.models import Menu

        names = {menu.route_name for menu in await Menu.all().only("id", "route_name")}
    return await reconcile_menu_subtree(root, names, codes)
