"""Request-time checks: ``DependAuth``, ``DependPermission``, ``require_buttons``, ``require_roles``.

Order of the access check (spec behaviour.md §6): no bearer → 2100; decode →
2100 / 2103; not an access token → 2101; user gone → 2101; status ≠ "1" →
2102 (before the version, so a disabled user sees 2102); token version older
than the current one → 2106. The permission check (§7): ``R_SUPER`` passes;
no enabled role → 2207; the matched route's template ``(method,
path_format)`` must be granted by an enabled role → else 2201; a granted but
disabled API → 2200.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi import routing as fastapi_routing

from app.core.authz import CTX_ACCESS, SUPER_ADMIN_ROLE, Access, AuthzRuntime, get_authz
from app.core.code import Code
from app.core.ctx import CTX_BUTTON_CODES, CTX_IMPERSONATOR_ID, CTX_ROLE_CODES, CTX_USER, CTX_USER_ID, CTX_USER_NAME
from app.core.exceptions import BizError
from app.core.model import StatusType
from app.core.security import ACCESS_TOKEN, TokenExpiredError, TokenInvalidError, decode_token

__all__ = [
    "AuthAccess",
    "DependAuth",
    "DependPermission",
    "check_access_token",
    "get_current_user",
    "get_current_user_id",
    "has_button_code",
    "has_role_code",
    "is_super_admin",
    "require_buttons",
    "require_roles",
    "route_template",
]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise BizError(Code.INVALID_TOKEN)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise BizError(Code.INVALID_TOKEN)
    return token


async def check_access_token(runtime: AuthzRuntime, token: str) -> tuple[Access, int | None]:
    """Run the access-token checks in spec order; (snapshot, impersonator id)."""
    try:
        data = decode_token(token)
    except TokenExpiredError:
        raise BizError(Code.TOKEN_EXPIRED) from None
    except TokenInvalidError:
        raise BizError(Code.INVALID_TOKEN) from None
    if data.token_type != ACCESS_TOKEN:
        raise BizError(Code.INVALID_SESSION)
    resolved = await runtime.resolve(data.user_id)
    access = resolved.access
    if access is None:
        raise BizError(Code.INVALID_SESSION)
    if access.principal.status != StatusType.enable:
        raise BizError(Code.ACCOUNT_DISABLED)
    if data.token_version < resolved.token_version:
        raise BizError(Code.SESSION_INVALIDATED)
    return access, data.impersonator_id


async def authenticate(request: Request) -> Access:
    """``DependAuth``: verify the bearer token and publish the caller in the context."""
    runtime: AuthzRuntime = request.app.state.authz
    access, impersonator_id = await check_access_token(runtime, _bearer(request))
    principal = access.principal
    CTX_ACCESS.set(access)
    CTX_USER_ID.set(principal.user_id)
    CTX_USER_NAME.set(principal.user_name)
    CTX_USER.set(None)
    CTX_ROLE_CODES.set(access.role_codes)
    CTX_BUTTON_CODES.set(access.buttons)
    CTX_IMPERSONATOR_ID.set(impersonator_id)
    request.state.user_id = principal.user_id
    request.state.user_name = principal.user_name
    return access


DependAuth: Any = Depends(authenticate)
AuthAccess = Annotated[Access, Depends(authenticate)]


_CONVERTER = re.compile(r"{(\w+):[^}]+}")
_EFFECTIVE_KEY: str = getattr(fastapi_routing, "_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY", "effective_route_context")


def route_template(scope: Mapping[str, Any]) -> str | None:
    """The matched route's full path template (prefixes included, converters stripped).

    FastAPI >= 0.16x includes routers lazily: ``scope["route"]`` is then the
    router-local route, and the full template lives on the effective route
    context; older versions expose it as ``scope["route"].path_format``.
    """
    fastapi_scope = scope.get("fastapi")
    effective = fastapi_scope.get(_EFFECTIVE_KEY) if isinstance(fastapi_scope, dict) else None
    path = getattr(effective, "path", None)
    if not path:
        return getattr(scope.get("route"), "path_format", None)
    text = str(path)
    return _CONVERTER.sub(r"{\1}", text) if ":" in text else text


async def check_permission(request: Request, access: AuthAccess) -> Access:
    """``DependPermission``: ``DependAuth`` plus the (method, route template) grant check."""
    if access.is_super:
        return access
    if not access.role_codes:
        raise BizError(Code.USER_NO_ROLE)
    template = route_template(request.scope)
    if not template:
        raise BizError(Code.PERMISSION_DENIED)
    status = access.apis.get((request.method.lower(), template))
    if status is None:
        raise BizError(Code.PERMISSION_DENIED)
    if status == StatusType.disable:
        raise BizError(Code.API_DISABLED)
    return access


DependPermission: Any = Depends(check_permission)


def require_buttons(*codes: str, require_all: bool = False) -> Any:
    """A dependency demanding button codes: any of them (2203) or all (2202). ``R_SUPER`` passes."""
    wanted = frozenset(codes)

    async def check_buttons(access: AuthAccess) -> None:
        if access.is_super or not wanted:
            return
        if require_all and not wanted <= access.buttons:
            raise BizError(Code.MISSING_BUTTON_PERMISSION)
        if not require_all and not wanted & access.buttons:
            raise BizError(Code.NEED_ANY_BUTTON_PERMISSION)

    return Depends(check_buttons)


def require_roles(*codes: str, require_all: bool = False) -> Any:
    """A dependency demanding enabled roles: any of them (2205) or all (2204). ``R_SUPER`` passes."""
    wanted = frozenset(codes)

    async def check_roles(access: AuthAccess) -> None:
        owned = frozenset(access.role_codes)
        if access.is_super or not wanted:
            return
        if require_all and not wanted <= owned:
            raise BizError(Code.MISSING_ROLE)
        if not require_all and not wanted & owned:
            raise BizError(Code.NEED_ANY_ROLE)

    return Depends(check_roles)


# ---- context helpers (valid after DependAuth ran in this request) ---------------
def get_current_user_id() -> int:
    """The caller's user id (0 outside an authenticated request)."""
    return CTX_USER_ID.get()


async def get_current_user() -> Any:
    """The caller's user row, loaded on first use in the request (None outside one)."""
    user = CTX_USER.get()
    if user is None:
        user_id = CTX_USER_ID.get()
        if not user_id:
            return None
        source = get_authz().source
        user = await source.load_user(user_id) if source is not None else None
        CTX_USER.set(user)
    return user


def is_super_admin() -> bool:
    """True when the caller holds the enabled ``R_SUPER`` role."""
    return SUPER_ADMIN_ROLE in CTX_ROLE_CODES.get()


def has_role_code(code: str) -> bool:
    """True when the caller holds the enabled role ``code``."""
    return code in CTX_ROLE_CODES.get()


def has_button_code(code: str) -> bool:
    """True when the caller owns button ``code`` (``R_SUPER`` owns all)."""
    return is_super_admin() or code in CTX_BUTTON_CODES.get()
