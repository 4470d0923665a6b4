"""``init-plan [--strict]``: audit each module's declared seeds against its live routes, offline.

For every enabled module with a declarative spec (``PermissionSpec.init_data``
or ``INIT_DATA``) it counts menus, buttons, roles, users and dictionaries and
reports drift: role menus/buttons that no menu declares, API references that
match no route, and permission-checked routes of the module that no declared
role is granted. ``--strict`` turns drift into exit code 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from typing import Any

from app.cli.commands._common import EXIT_FAILED, EXIT_OK, echo
from app.cli.commands._modules import LoadedApp, load_app, module_routes
from app.core.autodiscover import ModuleSpec

HELP = "check declared menus/roles/buttons/APIs of every module against its routes (no server)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="exit 1 when any drift is found")


def _menus(menus: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for menu in menus:
        yield menu
        yield from _menus(list(menu.get("children") or []))


def declared_spec(spec: ModuleSpec) -> Mapping[str, Any] | None:
    if spec.manifest is not None and spec.manifest.permissions is not None:
        return spec.manifest.permissions.init_data
    return spec.init_data


def audit(loaded: LoadedApp, spec: ModuleSpec, data: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(summary line, drift messages) of one module."""
    menus = list(_menus(list(data.get("menus") or [])))
    routes_declared = {m["route_name"] for m in menus}
    buttons_declared = {b["button_code"] for m in menus for b in m.get("buttons") or []}
    roles = list(data.get("roles") or [])
    live = {(r.method.lower(), r.path) for r in loaded.routes}
    names = {r.name: (r.method.lower(), r.path) for r in loaded.routes}
    drift: list[str] = []
    granted: set[tuple[str, str]] = set()
    for role in roles:
        code = role.get("role_code", "?")
        drift += [f"role {code}: menu {m!r} is not declared" for m in role.get("menus") or [] if m not in routes_declared]
        drift += [f"role {code}: button {b!r} is not declared" for b in role.get("buttons") or [] if b not in buttons_declared]
        for ref in role.get("apis") or []:
            key = names.get(ref) if isinstance(ref, str) else (str(ref[0]).lower(), str(ref[1]))
            if key is None or key not in live:
                drift.append(f"role {code}: API {ref!r} matches no route")
            else:
                granted.add(key)
    permission_routes = {(r.method.lower(), r.path) for r in module_routes(loaded, spec.name)}
    if roles:
        drift += [f"route {m.upper()} {p} is granted to no declared role" for m, p in sorted(permission_routes - granted)]
    counts = (
        f"menus={len(menus)} buttons={len(buttons_declared)} roles={len(roles)} "
        f"users={len(data.get('users') or [])} dictionaries={len(data.get('dictionaries') or [])} routes={len(permission_routes)}"
    )
    return f"{spec.name}: {counts}", drift


def run(args: argparse.Namespace) -> int:
    loaded = load_app()
    total = 0
    for spec in loaded.modules:
        if not spec.enabled:
            continue
        data = declared_spec(spec)
        if data is None:
            echo(f"{spec.name}: no declarative spec (init() only); nothing to audit")
            continue
        summary, drift = audit(loaded, spec, data)
        echo(summary)
        for line in drift:
            echo(f"  drift: {line}")
        total += len(drift)
    echo(f"{total} drift item(s)" if total else "no drift")
    return EXIT_FAILED if total and args.strict else EXIT_OK
