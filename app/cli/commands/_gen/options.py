"""Turn the ``gen`` options into one validated ``ModelPlan`` per selected model.

Spec syntax: ``Model:a,b``; several specs by repeating the option or joining
them with ``;``. A spec without ``Model:`` applies to every selected model
(where that makes sense: ``--list-order``, ``--enable-routes``). Every name is
checked against the parsed models; a mistake is a ``UsageError`` (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.cli.commands._common import UsageError
from app.cli.commands._gen.names import plural, snake
from app.cli.commands._gen.parse import FieldInfo, ModelInfo, ParsedModels

ROUTES = ("list", "get", "create", "update", "delete", "batch_delete", "tree")
STRING_KINDS = frozenset({"CharField", "TextField"})
EXACT_KINDS = frozenset({"CharEnumField", "IntEnumField", "BooleanField", "ForeignKeyField", "OneToOneField"})
_IDENT = re.compile(r"^-?[a-z_][a-z0-9_]*$")


@dataclass
class ModelPlan:
    """Everything the templates need for one model."""

    model: ModelInfo
    contains: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)
    list_fields: list[str] = field(default_factory=list)
    list_order: list[str] = field(default_factory=lambda: ["-id"])
    enable_routes: list[str] = field(default_factory=lambda: list(ROUTES))
    exclude_fields: list[str] = field(default_factory=list)
    user_field: str | None = None
    scope_field: str | None = None
    soft_delete: bool = False
    tree: bool = False
    list_cache: int | None = None
    rate_limit: tuple[int, int] | None = None

    @property
    def snake(self) -> str:
        return snake(self.model.name)

    @property
    def plural(self) -> str:
        return plural(self.snake)

    @property
    def search_fields(self) -> list[str]:
        return list(dict.fromkeys([*self.contains, *self.exact]))


def split_specs(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(";") if part.strip()]


def _keyed(values: Sequence[str] | None, option: str) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for spec in split_specs(values):
        model, sep, rest = spec.partition(":")
        if not sep:
            out.append((None, spec))
        elif not model.strip() or not rest.strip():
            raise UsageError(f"{option}: bad spec {spec!r}; expected Model:value")
        else:
            out.append((model.strip(), rest.strip()))
    return out


def _names(text: str, option: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names or not all(_IDENT.match(n) for n in names):
        raise UsageError(f"{option}: bad field list {text!r}")
    return names


def select_models(parsed: ParsedModels, wanted: str | None) -> list[ModelInfo]:
    """``--models``: comma list of 1-based indexes, class names, or ``all`` (default)."""
    if not parsed.models:
        raise UsageError("models.py defines no model (a class on BaseModel)")
    if not wanted or wanted.strip() == "all":
        return list(parsed.models)
    by_name = {m.name: m for m in parsed.models}
    chosen: list[ModelInfo] = []
    for token in (t.strip() for t in wanted.split(",") if t.strip()):
        if token.isdigit() and 1 <= int(token) <= len(parsed.models):
            chosen.append(parsed.models[int(token) - 1])
        elif token in by_name:
            chosen.append(by_name[token])
        else:
            raise UsageError(f"--models: unknown model {token!r}; models.py defines {', '.join(by_name)}")
    return _dedupe(chosen)


def _dedupe(models: list[ModelInfo]) -> list[ModelInfo]:
    seen: set[str] = set()
    out: list[ModelInfo] = []
    for model in models:
        if model.name not in seen:
            seen.add(model.name)
            out.append(model)
    return out


def _column_names(model: ModelInfo) -> set[str]:
    names = {f.name for f in model.fields} | {"id", "created_at", "updated_at", "created_by", "updated_by"}
    if model.is_tree:
        names |= {"parent_id", "order", "level"}
    if model.is_soft_delete:
        names.add("deleted_at")
    return names


def _check_fields(plan: ModelPlan, names: list[str], option: str) -> list[str]:
    known = _column_names(plan.model)
    for name in names:
        if name.lstrip("-") not in known:
            raise UsageError(f"{option}: {plan.model.name} has no field {name.lstrip('-')!r}")
    return names


def default_search(fields: list[FieldInfo]) -> tuple[list[str], list[str]]:
    """Recommended search: substring on text columns, equality on enums, booleans and references."""
    contains = [f.name for f in fields if f.kind in STRING_KINDS and f.kind != "TextField"]
    exact = [f.name for f in fields if f.kind in EXACT_KINDS]
    return contains, exact


def _per_model(
    plans: dict[str, ModelPlan], values: Sequence[str] | None, option: str, *, allow_global: bool
) -> list[tuple[ModelPlan, str]]:
    out: list[tuple[ModelPlan, str]] = []
    for model, value in _keyed(values, option):
        if model is None:
            if not allow_global:
                raise UsageError(f"{option}: bad spec {value!r}; expected Model:value")
            out.extend((plan, value) for plan in plans.values())
        elif model not in plans:
            raise UsageError(f"{option}: unknown or unselected model {model!r}")
        else:
            out.append((plans[model], value))
    return out


def _pair(text: str, sep: str, option: str) -> tuple[int, int]:
    left, mark, right = text.partition(sep)
    if not mark or not left.strip().isdigit() or not right.strip().isdigit() or int(left) <= 0 or int(right) <= 0:
        raise UsageError(f"{option}: bad value {text!r}")
    return int(left), int(right)


def _apply_fields(plans: dict[str, ModelPlan], opts: GenOptions) -> None:
    explicit_search: set[str] = set()
    for plan, value in _per_model(plans, opts.contains, "--contains", allow_global=False):
        plan.contains = _check_fields(plan, _names(value, "--contains"), "--contains")
        explicit_search.add(plan.model.name)
    for plan, value in _per_model(plans, opts.exact, "--exact", allow_global=False):
        plan.exact = _check_fields(plan, _names(value, "--exact"), "--exact")
        explicit_search.add(plan.model.name)
    for plan, value in _per_model(plans, opts.search_fields, "--search-fields", allow_global=False):
        names = _check_fields(plan, _names(value, "--search-fields"), "--search-fields")
        kinds = {f.name: f.kind for f in plan.model.fields}
        plan.contains = [n for n in names if kinds.get(n) in STRING_KINDS]
        plan.exact = [n for n in names if kinds.get(n) not in STRING_KINDS]
        explicit_search.add(plan.model.name)
    for plan in plans.values():
        if plan.model.name not in explicit_search:
            plan.contains, plan.exact = default_search(plan.model.fields)
    for plan, value in _per_model(plans, opts.list_fields, "--list-fields", allow_global=False):
        plan.list_fields = _check_fields(plan, _names(value, "--list-fields"), "--list-fields")
    for plan, value in _per_model(plans, opts.exclude_fields, "--exclude-fields", allow_global=False):
        plan.exclude_fields = _check_fields(plan, _names(value, "--exclude-fields"), "--exclude-fields")
    for plan, value in _per_model(plans, opts.list_order, "--list-order", allow_global=True):
        plan.list_order = _check_fields(plan, _names(value, "--list-order"), "--list-order")


def _apply_behaviour(plans: dict[str, ModelPlan], opts: GenOptions) -> None:
    for plan, value in _per_model(plans, opts.enable_routes, "--enable-routes", allow_global=True):
        routes = [r.strip() for r in value.split(",") if r.strip()]
        unknown = sorted(set(routes) - set(ROUTES))
        if unknown or not routes:
            raise UsageError(f"--enable-routes: unknown route(s) {', '.join(unknown) or value!r}; choose from {', '.join(ROUTES)}")
        plan.enable_routes = [r for r in ROUTES if r in routes]
    for plan, value in _per_model(plans, opts.data_scope, "--data-scope", allow_global=False):
        names = _names(value, "--data-scope")
        if len(names) > 2:
            raise UsageError(f"--data-scope: expected Model:user_field[,scope_field], got {value!r}")
        columns = _column_names(plan.model)
        names = [n if n in columns or f"{n}_id" not in columns else f"{n}_id" for n in names]
        plan.user_field = _check_fields(plan, [names[0]], "--data-scope")[0]
        plan.scope_field = _check_fields(plan, names[1:], "--data-scope")[0] if len(names) > 1 else None
    for plan, value in _per_model(plans, opts.list_cache, "--list-cache", allow_global=False):
        if not value.isdigit() or int(value) <= 0:
            raise UsageError(f"--list-cache: bad ttl {value!r}; expected Model:seconds")
        plan.list_cache = int(value)
    for plan, value in _per_model(plans, opts.rate_limit, "--rate-limit", allow_global=False):
        plan.rate_limit = _pair(value, "/", "--rate-limit")
    for flag, attr, mixin in ((opts.soft_delete, "soft_delete", "SoftDeleteMixin"), (opts.tree, "tree", "TreeMixin")):
        for plan in plans.values():
            setattr(plan, attr, mixin in plan.model.mixins)
        if flag:
            wanted = [plans[n] for n in _model_list(plans, flag, f"--{attr.replace('_', '-')}")]
            for plan in wanted:
                if mixin not in plan.model.mixins:
                    raise UsageError(f"--{attr.replace('_', '-')}: {plan.model.name} does not mix in {mixin}")
    for plan in plans.values():
        if not plan.tree and "tree" in plan.enable_routes:
            plan.enable_routes.remove("tree")


def _model_list(plans: dict[str, ModelPlan], value: str, option: str) -> list[str]:
    if value == "*":
        return [name for name, plan in plans.items() if (plan.tree if option == "--tree" else plan.soft_delete)] or list(plans)
    names = [n.strip() for n in value.split(",") if n.strip()]
    for name in names:
        if name not in plans:
            raise UsageError(f"{option}: unknown or unselected model {name!r}")
    return names


@dataclass
class GenOptions:
    """The parsed command line of ``gen`` (see ``gen.add_arguments``)."""

    models: str | None = None
    contains: list[str] | None = None
    exact: list[str] | None = None
    search_fields: list[str] | None = None
    list_fields: list[str] | None = None
    list_order: list[str] | None = None
    enable_routes: list[str] | None = None
    exclude_fields: list[str] | None = None
    data_scope: list[str] | None = None
    list_cache: list[str] | None = None
    rate_limit: list[str] | None = None
    soft_delete: str | None = None
    tree: str | None = None
    button_auth: bool = False


def build_plans(parsed: ParsedModels, opts: GenOptions) -> list[ModelPlan]:
    """One validated plan per selected model, in ``models.py`` order."""
    plans = {m.name: ModelPlan(m) for m in select_models(parsed, opts.models)}
    _apply_fields(plans, opts)
    _apply_behaviour(plans, opts)
    return list(plans.values())
