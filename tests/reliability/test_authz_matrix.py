"""The authorisation matrix, generated from the live route table (new routes are covered automatically).

* Every route behind ``DependPermission`` answers 2201 to a user whose enabled
  role grants nothing — and stops answering 2201 once the route is granted
  (so the check really looks at that route's catalogue entry).
* Every write route (POST/PUT/PATCH/DELETE) declares a permission, button or
  role dependency, or is on the explicit list of intentionally open routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.dependency import check_permission
from app.core.sqids import encode_id
from app.system.api.route_table import api_routes
from app.system.models import Api, Menu, Role
from app.system.services.authz_loader import load_role_permissions
from tests.system.conftest import bearer, create_user, do_login

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Write routes open by design: the login/registration flow, and self-service on the caller's own account.
INTENTIONALLY_OPEN = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/swagger-login"),
    ("POST", "/api/v1/auth/captcha"),
    ("POST", "/api/v1/auth/code-login"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/reset-password"),
    ("POST", "/api/v1/auth/refresh-token"),
    ("PATCH", "/api/v1/auth/password"),  # DependAuth: the caller's own password
    ("PATCH", "/api/v1/auth/profile"),  # DependAuth: the caller's own profile
}
GUARD_NAMES = {"check_permission", "check_buttons", "check_roles"}


def _dependency_names(dependant: Any) -> set[str]:
    names: set[str] = set()
    for sub in dependant.dependencies:
        names.add(getattr(sub.call, "__name__", ""))
        names |= _dependency_names(sub)
    return names


def _routes(app: FastAPI) -> list[tuple[str, str, set[str]]]:
    found = []
    for route in api_routes(app):
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, route.path_format, _dependency_names(route.dependant)))
    return found


def _url(path: str) -> str:
    """A concrete URL for a template: every path parameter gets a (valid, absent) sqid."""
    parts = [encode_id(999_999) if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


async def _code(client: httpx.AsyncClient, method: str, path: str, token: str) -> str:
    body = {} if method in WRITE_METHODS else None
    return str((await client.request(method, _url(path), json=body, headers=bearer(token))).json()["code"])


def test_every_write_route_is_guarded_or_explicitly_open(app_factory: Callable[..., FastAPI]) -> None:
    # Every business module enabled (the demo too): their routes are covered as they appear.
    app = app_factory(BUSINESS_MODULES_ENABLED=["inventory"])
    routes = _routes(app)
    assert any("/api/v1/business/" in p for _, p, _ in routes)
    unguarded = {(m, p) for m, p, deps in routes if m in WRITE_METHODS and not deps & GUARD_NAMES}
    assert unguarded - INTENTIONALLY_OPEN == set(), "write routes without a permission/button/role dependency"
    assert unguarded >= INTENTIONALLY_OPEN, "stale entries in INTENTIONALLY_OPEN"
    assert check_permission.__name__ in GUARD_NAMES


async def test_every_permission_checked_route_denies_without_the_grant_and_allows_with_it(
    app: FastAPI, client: httpx.AsyncClient, seeded: None
) -> None:
    home = await Menu.get(route_name="home")
    role = await Role.create(role_code="R_EMPTY", role_name="empty", by_role_home=home, data_scope="self")
    await create_user("nobody", roles=("R_EMPTY",))
    token = await do_login(client, "nobody")
    checked = [(m, p) for m, p, deps in _routes(app) if "check_permission" in deps]
    assert len(checked) >= 50, checked  # the whole system-management surface, impersonation and Radar

    denied = {(m, p): await _code(client, m, p, token) for m, p in checked}
    assert {k: v for k, v in denied.items() if v != "2201"} == {}

    catalogued = {(a.api_method, a.api_path): a for a in await Api.all()}
    missing = [(m, p) for m, p in checked if (m.lower(), p) not in catalogued and "/_boom" not in p]
    assert missing == [], "permission-checked routes missing from the API catalogue cannot be granted"
    await role.by_role_apis.add(*catalogued.values())
    await load_role_permissions("R_EMPTY")
    allowed = {(m, p): await _code(client, m, p, token) for m, p in checked if (m.lower(), p) in catalogued}
    assert {k: v for k, v in allowed.items() if v in ("2201", "1000")} == {}
