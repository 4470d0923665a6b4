"""Read a module's ``models.py`` without importing it (AST): models, fields, enums.

Only classes that list ``BaseModel`` among their bases count as models; the
primary key, audit columns and the columns of the soft-delete and tree mixins
are left out of the schemas (the framework fills them).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.cli.commands._common import UsageError

AUDIT_FIELDS = frozenset({"id", "created_by", "created_at", "updated_by", "updated_at", "deleted_at"})
MIXINS = frozenset({"AuditMixin", "TreeMixin", "SoftDeleteMixin"})
RELATIONS = frozenset({"ForeignKeyField", "OneToOneField"})
SKIPPED_KINDS = frozenset({"ManyToManyField", "ForeignKeyRelation", "ReverseRelation", "BackwardFKRelation"})
_MISSING = object()


@dataclass
class FieldInfo:
    """One column as the schemas see it (a relation appears as ``<name>_id``)."""

    name: str
    kind: str
    null: bool = False
    default: Any = _MISSING
    default_src: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    enum: str | None = None
    related: str | None = None
    description: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING or self.default_src is not None

    @property
    def is_relation(self) -> bool:
        return self.kind in RELATIONS


@dataclass
class ModelInfo:
    name: str
    doc: str
    fields: list[FieldInfo]
    mixins: frozenset[str]
    table: str | None = None

    @property
    def is_tree(self) -> bool:
        return "TreeMixin" in self.mixins

    @property
    def is_soft_delete(self) -> bool:
        return "SoftDeleteMixin" in self.mixins

    def field(self, name: str) -> FieldInfo | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class ParsedModels:
    models: list[ModelInfo]
    enums: list[str]


def _base_names(node: ast.ClassDef) -> list[str]:
    names: list[str] = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError):
        return _MISSING


def _field_call(value: ast.expr | None) -> tuple[str, ast.Call] | None:
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    kind = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return (kind, value) if kind.endswith("Field") else None


def _read_field(name: str, kind: str, call: ast.Call) -> FieldInfo | None:
    if kind in SKIPPED_KINDS:
        return None
    info = FieldInfo(name=name, kind=kind)
    for kw in call.keywords:
        if kw.arg is None:
            continue
        if kw.arg == "null":
            info.null = bool(_literal(kw.value))
        elif kw.arg == "default":
            info.default = _literal(kw.value)
            if info.default is _MISSING:
                info.default_src = ast.unparse(kw.value)
        elif kw.arg == "enum_type":
            info.enum = ast.unparse(kw.value)
        elif kw.arg == "description":
            info.description = str(_literal(kw.value))
        elif kw.arg in ("max_length", "max_digits", "decimal_places", "unique", "db_index", "pk", "primary_key", "generated"):
            info.options[kw.arg] = _literal(kw.value)
        elif kw.arg in ("auto_now", "auto_now_add") and _literal(kw.value) is True:
            return None
    if kind in ("CharEnumField", "IntEnumField") and info.enum is None and call.args:
        info.enum = ast.unparse(call.args[0])
    if info.is_relation:
        target = _literal(call.args[0]) if call.args else _MISSING
        info.related = str(target) if target is not _MISSING else None
        info.name = f"{name}_id"
    if info.options.get("pk") or info.options.get("primary_key"):
        return None
    return info


def _read_model(node: ast.ClassDef, bases: list[str]) -> ModelInfo:
    fields: list[FieldInfo] = []
    table: str | None = None
    for stmt in node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for meta in stmt.body:
                if isinstance(meta, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "table" for t in meta.targets):
                    table_name = _literal(meta.value)
                    table = table_name if isinstance(table_name, str) else None
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        found = _field_call(value)
        if found is None or len(targets) != 1 or not isinstance(targets[0], ast.Name):
            continue
        name = targets[0].id
        info = _read_field(name, *found)
        if info is not None and info.name not in AUDIT_FIELDS:
            fields.append(info)
    doc = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
    return ModelInfo(node.name, doc, fields, frozenset(b for b in bases if b in MIXINS), table)


def parse_models(source: str, filename: str = "models.py") -> ParsedModels:
    """Models (classes on ``BaseModel``) and enum classes defined in ``source``."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise UsageError(f"{filename}: syntax error on line {exc.lineno}: {exc.msg}") from None
    models: list[ModelInfo] = []
    enums: list[str] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = _base_names(node)
        if "BaseModel" in bases:
            models.append(_read_model(node, bases))
        elif any(b.endswith("Enum") for b in bases):
            enums.append(node.name)
    return ParsedModels(models, enums)


def parse_models_file(path: Path) -> ParsedModels:
    if not path.is_file():
        raise UsageError(f"{path.parent.name}/models.py not found: run `python -m app.cli init {path.parent.name}` first")
    return parse_models(path.read_text(encoding="utf-8"), str(path))
