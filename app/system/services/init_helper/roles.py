"""``ensure_role`` and the ``R_SUPER`` re-attachment run at every start."""

from __future__ import annotations

from loguru import logger

from app.core.model import DataScopeType
from app.system.models import Api, Button, Menu, Role
from app.system.services.init_helper._upsert import replace_links, upsert
from app.system.services.init_helper.types import ApiRef, RoleSpec, RouteKeys, Values

SUPER_ROLE_CODE = "R_SUPER"
SUPER_ROLE_NAME = "超级管理员"
DEFAULT_HOME_ROUTE = "home"


async def resolve_home_menu_id(home_route: str) -> int | None:
    """Id of the menu ``home_route``; else menu 1, else the first menu (with a warning)."""
    home = await Menu.get_or_none(route_name=home_route)
    if home is not None:
        return home.id
    fallback = await Menu.get_or_none(id=1) or await Menu.all().order_by("id").first()
    fallback_id = fallback.id if fallback is not None else None
    logger.warning("home menu {!r} does not exist (renamed or deleted?); using menu id {}", home_route, fallback_id)
    return fallback_id


async def ensure_role(spec: RoleSpec, *, overwrite: bool = True, route_keys: RouteKeys | None = None) -> Role | None:
    """Create or update the role ``spec['role_code']`` and its grants.

    Writes ``role_name``, ``role_desc`` (default ""), the home menu
    (``home_route``, default ``home``) and ``data_scope`` only when declared;
    status is never written. Relations ``menus`` (route names), ``buttons``
    (codes) and ``apis`` (``(method, path)`` or route names resolved through
    ``route_keys``): None leaves them untouched, ``[]`` clears them, a list
    replaces them by the entries found; entries not found are logged as drift.
    With ``overwrite=False`` an existing role is left exactly as it is.
    Returns None (with a warning) when no menu exists to serve as home.
    """
    code = spec["role_code"]
    home_id = await resolve_home_menu_id(spec.get("home_route") or DEFAULT_HOME_ROUTE)
    if home_id is None:
        logger.warning("role {}: no menu exists to be its home; skipped", code)
        return None
    values: Values = {"role_name": spec.get("role_name", code), "role_desc": spec.get("role_desc", ""), "by_role_home_id": home_id}
    if spec.get("data_scope"):
        values["data_scope"] = DataScopeType(spec["data_scope"])
    role, created = await upsert(Role, {"role_code": code}, values, overwrite=overwrite)
    if created or overwrite:
        await sync_role_grants(role, spec, route_keys)
    return role


async def sync_role_grants(role: Role, spec: RoleSpec, route_keys: RouteKeys | None = None) -> None:
    """Apply the None/[]/list semantics of ``menus``, ``buttons`` and ``apis``."""
    menus = spec.get("menus")
    if menus is not None:
        found = await Menu.filter(route_name__in=menus) if menus else []
        _warn_missing(role.role_code, "menus", menus, {m.route_name for m in found})
        await replace_links(role.by_role_menus, found)
    buttons = spec.get("buttons")
    if buttons is not None:
        found_buttons = await Button.filter(button_code__in=buttons) if buttons else []
        _warn_missing(role.role_code, "buttons", buttons, {b.button_code for b in found_buttons})
        await replace_links(role.by_role_buttons, found_buttons)
    apis = spec.get("apis")
    if apis is not None:
        await replace_links(role.by_role_apis, await resolve_apis(role.role_code, apis, route_keys))


async def resolve_apis(role_code: str, refs: list[ApiRef], route_keys: RouteKeys | None) -> list[Api]:
    """The Api rows for ``refs``; unresolvable ones are logged as drift."""
    wanted: set[tuple[str, str]] = set()
    unknown_keys: list[str] = []
    for ref in refs:
        if isinstance(ref, str):
            pair = (route_keys or {}).get(ref)
            if pair is None:
                unknown_keys.append(ref)
            else:
                wanted.add((pair[0].lower(), pair[1]))
        else:
            wanted.add((ref[0].lower(), ref[1]))
    if unknown_keys:
        logger.warning("role {}: missing route keys {} (renamed or deleted?)", role_code, sorted(unknown_keys))
    if not wanted:
        return []
    paths = {path for _, path in wanted}
    rows = [api for api in await Api.filter(api_path__in=paths) if (str(api.api_method.value), api.api_path) in wanted]
    found = {(str(api.api_method.value), api.api_path) for api in rows}
    missing = sorted(f"{method} {path}" for method, path in wanted - found)
    if missing:
        logger.warning("role {}: missing apis {} (renamed or deleted?)", role_code, missing)
    return rows


def _warn_missing(role_code: str, kind: str, declared: list[str], found: set[str]) -> None:
    missing = sorted(set(declared) - found)
    if missing:
        logger.warning("role {}: missing {} {} (renamed or deleted?)", role_code, kind, missing)


async def ensure_super_role() -> Role | None:
    """Create ``R_SUPER`` if missing and link it to every non-constant menu and every button.

    Name, description and home of an existing ``R_SUPER`` are left as an
    administrator set them; only the links are re-made, so menus and buttons
    added since the last start reach it.
    """
    spec: RoleSpec = {"role_code": SUPER_ROLE_CODE, "role_name": SUPER_ROLE_NAME, "role_desc": SUPER_ROLE_NAME}
    role = await ensure_role(spec, overwrite=False)
    if role is None:
        return None
    await replace_links(role.by_role_menus, await Menu.filter(constant=False))
    await replace_links(role.by_role_buttons, await Button.all())
    return role
