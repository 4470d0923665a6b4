"""Render every generated file of a module from its plans: ``{relative path: text}``."""

from __future__ import annotations

from app.cli.commands._gen.options import ModelPlan
from app.cli.commands._gen.render import render
from app.cli.commands._gen.seeds import init_data_file, module_file
from app.cli.commands._gen.types import SchemaField, schema_field

#: Files the generator creates once and never rewrites (they are the developer's).
CREATE_ONLY = frozenset({"services.py"})


def _imports(stdlib: set[str], third: set[str], utils: set[str], local: dict[str, set[str]]) -> str:
    lines = sorted(i for i in stdlib if i)
    block = ["\n".join(lines)] if lines else []
    if third:
        block.append("\n".join(sorted(third)))
    first = [f"from {mod} import {', '.join(sorted(names))}" for mod, names in sorted(local.items()) if names]
    if utils:
        first.append(f"from app.utils import {', '.join(sorted(utils))}")
    if first:
        block.append("\n".join(sorted(first)))
    return "\n\n".join(block)


def _with_optional(field: SchemaField) -> str:
    bare = SchemaField(field.name, field.annotation.removesuffix(" | None"), enum=field.enum)
    return bare.line(optional=True)


def schemas_file(module: str, plans: list[ModelPlan]) -> str:
    stdlib: set[str] = set()
    utils = {"PageQueryBase", "SchemaBase", "make_optional"}
    enums: set[str] = set()
    third: set[str] = set()
    classes: list[str] = []
    for plan in plans:
        fields = [schema_field(f) for f in plan.model.fields if f.name != plan.user_field]
        if plan.tree:
            fields.append(SchemaField("parent_id", "SqidId", default="0", utils={"SqidId"}))
            fields.append(SchemaField("order", "int", default="0"))
        required = [f for f in fields if f.default is None]
        ordered = required + [f for f in fields if f.default is not None]
        by_name = {f.name: f for f in fields}
        search = [by_name.get(name) or SchemaField(name, "Any", imports={"from typing import Any"}) for name in plan.search_fields]
        for f in [*ordered, *search]:
            stdlib |= f.imports
            utils |= f.utils
            if f.enum:
                enums.add(f.enum)
            if f.constraints:
                third.add("from pydantic import Field")
        classes.append(
            render(
                "gen/schema_model.py.tmpl",
                model=plan.model.name,
                plural=plan.plural,
                create_fields="\n".join(f.line() for f in ordered) or "    pass",
                search_fields="\n".join(_with_optional(f) for f in search) or "    pass",
            )
        )
    local = {f"app.business.{module}.models": enums}
    return render("gen/schemas.py.tmpl", module=module, imports=_imports(stdlib, third, utils, local), classes="".join(classes))


def controllers_file(module: str, plans: list[ModelPlan]) -> str:
    utils = {"CRUDBase"}
    third: set[str] = set()
    classes: list[str] = []
    for plan in plans:
        methods = ""
        if plan.user_field:
            utils |= {"NotFoundError", "current_scope_filter"}
            third.add("from tortoise.expressions import Q")
            args = f'user_id_field="{plan.user_field}"' + (f', scope_id_field="{plan.scope_field}"' if plan.scope_field else "")
            methods = render("gen/controller_scope.py.tmpl", model=plan.model.name, user_field=plan.user_field, scope_args=args)
        classes.append(render("gen/controller_model.py.tmpl", model=plan.model.name, snake=plan.snake, methods=methods))
    local = {f"app.business.{module}.models": {p.model.name for p in plans}}
    return render("gen/controllers.py.tmpl", module=module, imports=_imports(set(), third, utils, local), classes="".join(classes))


def _button(module: str, plan: ModelPlan, action: str) -> str:
    return f"B_{module.upper()}_{plan.snake.upper()}_{action}"


def _router_kwargs(module: str, plan: ModelPlan, button_auth: bool) -> list[str]:
    enabled = set(plan.enable_routes)
    kwargs = []
    if "create" in enabled:
        kwargs.append(f"create_schema={plan.model.name}Create")
    if "update" in enabled:
        kwargs.append(f"update_schema={plan.model.name}Update")
    if "list" in enabled:
        kwargs.append(f"list_schema={plan.model.name}Search")
    search = {k: v for k, v in (("contains", plan.contains), ("exact", plan.exact)) if v}
    if search:
        kwargs.append(f"search_fields={search!r}")
    kwargs.append(f"summary_prefix={plan.model.doc!r}")
    kwargs.append(f"list_order={plan.list_order!r}")
    kwargs.append(f'route_key_prefix="{module}.{plan.plural}"')
    if plan.enable_routes != ["list", "get", "create", "update", "delete", "batch_delete", *(["tree"] if plan.tree else [])]:
        kwargs.append(f"enable_routes={plan.enable_routes!r}")
    if plan.exclude_fields:
        kwargs.append(f"exclude_fields={plan.exclude_fields!r}")
    if plan.list_fields:
        kwargs.append(f"record_transform={plan.snake}_record")
    if plan.soft_delete:
        kwargs.append("soft_delete=True")
    if plan.tree:
        kwargs.append("tree_endpoint=True")
    if plan.user_field:
        kwargs.append(f"data_policy={plan.snake}_scope")
    deps: dict[str, list[str]] = {}
    if plan.user_field:
        for action in ("get", "update", "delete"):
            deps.setdefault(action, []).append(f"Depends({plan.snake}_in_scope)")
    if button_auth:
        for action, code in (("create", "CREATE"), ("update", "EDIT"), ("delete", "DELETE"), ("batch_delete", "DELETE")):
            deps.setdefault(action, []).insert(0, f'require_buttons("{_button(module, plan, code)}")')
    items = ", ".join(f'"{a}": [{", ".join(d)}]' for a, d in deps.items() if a in enabled)
    if items:
        kwargs.append(f"action_dependencies={{{items}}}")
    return [f"    {k}," for k in kwargs]


def manage_file(module: str, plans: list[ModelPlan], button_auth: bool) -> str:
    utils = {"CRUDRouter"} | ({"require_buttons"} if button_auth else set())
    third = {"from fastapi import APIRouter"}
    stdlib: set[str] = set()
    local: dict[str, set[str]] = {f"app.business.{module}.controllers": set(), f"app.business.{module}.schemas": set()}
    blocks: list[str] = []
    for plan in plans:
        name = plan.model.name
        local[f"app.business.{module}.controllers"].add(f"{plan.snake}_controller")
        enabled = set(plan.enable_routes)
        local[f"app.business.{module}.schemas"] |= {
            s for s, a in ((f"{name}Create", "create"), (f"{name}Update", "update"), (f"{name}Search", "list")) if a in enabled
        }
        prelude, overrides = "", ""
        if plan.list_fields:
            stdlib.add("from typing import Any")
            local.setdefault(f"app.business.{module}.models", set()).add(name)
            fields = ["id", *[f for f in plan.list_fields if f != "id"]]
            prelude += f"\n\ndef {plan.snake}_record(obj: {name}) -> dict[str, Any]:\n"
            prelude += f'    """The columns a {name} record shows (--list-fields)."""\n    return obj.to_dict(include_fields={fields!r})\n'
        if plan.user_field:
            third |= {"from fastapi import Depends, Request", "from tortoise.expressions import Q"}
            utils |= {"CommonIds", "SqidPath", "Success", "encode_id", "get_current_user_id"}
            local[f"app.business.{module}.schemas"].add(f"{name}Create")
            prelude += "\n" + render("gen/router_scope.py.tmpl", snake=plan.snake, model=name)
            batch = "soft_batch_remove" if plan.soft_delete else "batch_remove"
            overrides = render(
                "gen/router_scope_overrides.py.tmpl",
                snake=plan.snake,
                model=name,
                plural=plan.plural,
                user_field=plan.user_field,
                batch_remove=batch,
            )
        note = ""
        if plan.list_cache:
            note = (
                f"\n# --list-cache {plan.list_cache}s: list responses are not cached yet; cache in services.py and invalidate on writes.\n"
            )
        blocks.append(
            prelude
            + render(
                "gen/router_model.py.tmpl",
                snake=plan.snake,
                plural=plan.plural,
                kwargs="\n".join(_router_kwargs(module, plan, button_auth)),
                overrides=overrides,
                cache_note=note,
            )
        )
    imports = _imports(stdlib, third, utils, local)
    return render("gen/api_manage.py.tmpl", module=module, imports=imports, routers="".join(blocks))


def module_files(module: str, title: str, plans: list[ModelPlan], button_auth: bool) -> dict[str, str]:
    """Every generated file, relative to ``app/business/<module>``."""
    return {
        "schemas.py": schemas_file(module, plans),
        "controllers.py": controllers_file(module, plans),
        "services.py": render("gen/services.py.tmpl", module=module),
        "api/__init__.py": render("gen/api_init.py.tmpl", module=module),
        "api/manage.py": manage_file(module, plans, button_auth),
        "init_data.py": init_data_file(module, title, plans, button_auth),
        "module.py": module_file(module, title, plans),
    }
