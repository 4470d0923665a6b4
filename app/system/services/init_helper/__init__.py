"""Declarative, idempotent seeding helpers (menus, roles, users, dictionaries).

The public ones are re-exported by ``app.system.services`` for business
modules. Every ``ensure_*`` upserts by a natural key, survives a concurrent
insert of the same key, and takes ``overwrite``: True re-syncs existing rows
to the declaration, False only creates what is missing.
"""

from app.system.services.init_helper.apply import InitReport, apply_init_data
from app.system.services.init_helper.dictionaries import ensure_dictionary
from app.system.services.init_helper.menus import ReconcileResult, ensure_menu, reconcile_menu_subtree
from app.system.services.init_helper.roles import SUPER_ROLE_CODE, ensure_role, ensure_super_role
from app.system.services.init_helper.types import (
    ApiRef,
    ButtonSpec,
    DictionarySpec,
    InitData,
    MenuSpec,
    ReconcileSpec,
    RoleSpec,
    RouteKeys,
    UserSpec,
)
from app.system.services.init_helper.users import ensure_user

__all__ = [
    "SUPER_ROLE_CODE",
    "ApiRef",
    "ButtonSpec",
    "DictionarySpec",
    "InitData",
    "InitReport",
    "MenuSpec",
    "ReconcileResult",
    "ReconcileSpec",
    "RoleSpec",
    "RouteKeys",
    "UserSpec",
    "apply_init_data",
    "ensure_dictionary",
    "ensure_menu",
    "ensure_role",
    "ensure_super_role",
    "ensure_user",
    "reconcile_menu_subtree",
]
