"""System services. The names below are the public API business modules may import (seeding, dictionary options)."""

from app.system.services.dictionaries import dictionary_options
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
    "dictionary_options",
    "ensure_dictionary",
    "ensure_menu",
    "ensure_role",
    "ensure_user",
    "reconcile_menu_subtree",
]
