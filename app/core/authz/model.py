"""What the request-time checks know about a caller, and where it comes from.

``app.core`` cannot import the system's models, so it declares
``AuthzSource`` (the database side) and the composition root plugs the
system implementation in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.model import DataScopeType, StatusType

SUPER_ADMIN_ROLE = "R_SUPER"
DEFAULT_HOME = "home"

#: Breadth of each data scope; the most permissive (lowest) wins across roles.
#: ``custom`` ranks above ``self`` because it is self plus what a resolver grants.
SCOPE_BREADTH: dict[str, int] = {
    DataScopeType.all: 0,
    DataScopeType.scope: 1,
    DataScopeType.custom: 2,
    DataScopeType.self_: 3,
}


@dataclass(frozen=True)
class Principal:
    """A user as the checks see it: identity, status, enabled roles (newest first)."""

    user_id: int
    user_name: str
    status: str
    token_version: int
    role_codes: tuple[str, ...] = ()
    home: str = DEFAULT_HOME
    #: The user's public columns as the source serialised them (user-info is served from here).
    profile: Mapping[str, Any] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.status == StatusType.enable


@dataclass(frozen=True)
class RoleGrant:
    """What one enabled role grants."""

    code: str
    apis: Mapping[tuple[str, str], str] = field(default_factory=dict)
    buttons: frozenset[str] = frozenset()
    menu_ids: frozenset[int] = frozenset()
    data_scope: str = DataScopeType.all


@dataclass(frozen=True)
class Access:
    """A user's merged permissions: the in-process snapshot one request reads."""

    principal: Principal
    is_super: bool
    role_codes: tuple[str, ...]
    buttons: frozenset[str]
    apis: Mapping[tuple[str, str], str]
    menu_ids: frozenset[int]
    data_scope: str


class AuthzSource(Protocol):
    """The database side of the permission cache (implemented by the system)."""

    async def load_principal(self, user_id: int) -> Principal | None:
        """The user with their enabled roles (newest first) and home, or None."""
        ...

    async def load_role_grants(self, codes: Sequence[str]) -> dict[str, RoleGrant]:
        """Grants of the given roles; disabled or unknown codes are left out."""
        ...

    async def all_button_codes(self) -> frozenset[str]:
        """Every button code (what ``R_SUPER`` owns)."""
        ...

    async def load_user(self, user_id: int) -> Any:
        """The full user row (for ``get_current_user``), or None."""
        ...

    async def resync_cache(self) -> None:
        """Rewrite every Redis key from the database (after an outage or data loss)."""
        ...


def resolve_data_scope(role_scopes: Iterable[str], *, is_super: bool = False) -> DataScopeType:
    """The broadest of ``role_scopes`` (unknown values ignored); ``self`` when there is none; ``all`` for super."""
    if is_super:
        return DataScopeType.all
    best = DataScopeType.self_
    for value in role_scopes:
        if SCOPE_BREADTH.get(value, 99) < SCOPE_BREADTH[best]:
            best = DataScopeType(value)
            if best is DataScopeType.all:
                break
    return best


def merge_access(principal: Principal, grants: Mapping[str, RoleGrant], all_buttons: frozenset[str] | None) -> Access:
    """Fold the grants of the principal's enabled roles into one ``Access``.

    An API entry that is enabled in any role wins over a disabled one; the
    broadest data scope wins; ``R_SUPER`` owns every button and scope ``all``.
    """
    codes = principal.role_codes
    is_super = SUPER_ADMIN_ROLE in codes
    apis: dict[tuple[str, str], str] = {}
    buttons: set[str] = set()
    menus: set[int] = set()
    scopes: list[str] = []
    for code in codes:
        grant = grants.get(code)
        if grant is None:
            continue
        for key, status in grant.apis.items():
            if apis.get(key) != StatusType.enable:
                apis[key] = status
        buttons.update(grant.buttons)
        menus.update(grant.menu_ids)
        scopes.append(grant.data_scope)
    if is_super:
        buttons = set(all_buttons or ())
    scope = resolve_data_scope(scopes, is_super=is_super).value
    return Access(principal, is_super, codes, frozenset(buttons), apis, frozenset(menus), scope)
