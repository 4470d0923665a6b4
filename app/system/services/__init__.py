"""System services. The names below are the public seeding API business modules may import."""

from app.system.services.init_helper import (
    ApiRef,
    ButtonSpec,
    DictionarySpec,
    InitData,
    InitReport,
    MenuSpec,
    ReconcileResult,
    RoleSpec,
    UserSpec,
    apply_init_data,
    ensure_dictionary,
    ensure_menu,
    ensure_role,
    ensure_user,
    reconcile_menu_subtree,
)

__all__ = [
    "ApiRef",
    "ButtonSpec",
    "DictionarySpec",
    "InitData",
    "InitReport",
    "MenuSpec",
    "ReconcileResult",
    "RoleSpec",
    "UserSpec",
    "apply_init_data",
    "ensure_dictionary",
    "ensure_menu",
    "ensure_role",
    "ensure_user",
    "reconcile_menu_subtree",
]
