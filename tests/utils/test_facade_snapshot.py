"""``app.utils`` is a public API: its surface changes only on purpose (STYLE rule 10).

To add or remove an export: edit ``app/utils/__init__.py`` (the import with a
one-line ``# description`` and the ``__all__`` entry) and update ``EXPECTED``
below, in sorted order.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import app.utils

FACADE = Path(app.utils.__file__)

# fmt: off
EXPECTED = [
    "AuditMixin",
    "BaseModel",
    "BizError",
    "BusinessModule",
    "BusinessRouter",
    "CRUDBase",
    "CRUDRouter",
    "Code",
    "CommonIds",
    "ConflictError",
    "Custom",
    "DataPolicy",
    "DataScopeType",
    "DependAuth",
    "DependPermission",
    "EventSpec",
    "Fail",
    "GenderType",
    "IconType",
    "Int16",
    "Int32",
    "Int64",
    "MenuType",
    "MethodType",
    "NotFoundError",
    "PageData",
    "PageQueryBase",
    "PageResponseModel",
    "PeriodicTask",
    "PermissionDeniedError",
    "PermissionSpec",
    "PolicyContext",
    "ResponseModel",
    "SchemaBase",
    "SchemaValidationError",
    "SoftDeleteMixin",
    "SqidId",
    "SqidPath",
    "StateMachine",
    "StatusType",
    "Success",
    "SuccessExtra",
    "TaskContext",
    "TreeMixin",
    "add_background_task",
    "apply_policy_filter",
    "assert_object_policy",
    "build_search",
    "cached_page",
    "current_scope_filter",
    "decode_id",
    "emit",
    "encode_id",
    "get_current_data_scope",
    "get_current_user_id",
    "get_db_conn",
    "get_request_id",
    "has_button_code",
    "has_role_code",
    "is_super_admin",
    "make_optional",
    "on",
    "radar_log",
    "register_unique_constraint",
    "require_buttons",
    "require_roles",
]
# fmt: on


def _import_comments() -> dict[str, str]:
    """name -> the comment on the line that imports it."""
    source = FACADE.read_text(encoding="utf-8")
    comments = {tok.start[0]: tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.COMMENT}
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found[alias.asname or alias.name] = comments.get(alias.lineno, "").lstrip("# ").strip()
    return found


def test_the_public_surface_is_exactly_the_snapshot() -> None:
    assert sorted(app.utils.__all__) == EXPECTED
    assert app.utils.__all__ == sorted(app.utils.__all__), "keep __all__ sorted"
    assert sorted(EXPECTED) == EXPECTED, "keep the snapshot sorted"


def test_every_export_exists() -> None:
    missing = [name for name in app.utils.__all__ if not hasattr(app.utils, name)]
    assert missing == []


def test_every_export_is_documented_on_its_import_line() -> None:
    comments = _import_comments()
    undocumented = [name for name in app.utils.__all__ if len(comments.get(name, "")) < 10]
    assert undocumented == [], "give each export a one-line '# description' on its import line"


def test_nothing_is_imported_without_being_exported() -> None:
    assert set(_import_comments()) == set(app.utils.__all__)


def test_the_facade_re_exports_the_core_objects_themselves() -> None:
    from app.core.exceptions import BizError
    from app.core.model import BaseModel
    from app.core.responses import Success

    assert app.utils.Success is Success and app.utils.BizError is BizError and app.utils.BaseModel is BaseModel
