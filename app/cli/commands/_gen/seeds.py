"""The generated ``init_data.py`` (menus, buttons, roles) and ``module.py`` (manifest)."""

from __future__ import annotations

from typing import Any

from app.cli.commands._gen.names import kebab
from app.cli.commands._gen.options import ModelPlan
from app.cli.commands._gen.render import render
from app.core.business.wiring import BUSINESS_PREFIX

#: route -> (method, path suffix) of the CRUDRouter routes
ROUTE_APIS = {
    "list": ("post", "/search"),
    "get": ("get", "/{item_id}"),
    "create": ("post", ""),
    "update": ("patch", "/{item_id}"),
    "delete": ("delete", "/{item_id}"),
    "batch_delete": ("delete", ""),
    "tree": ("get", "/tree"),
}
BUTTONS = (("CREATE", "create"), ("EDIT", "edit"), ("DELETE", "delete"))


def root_route(module: str) -> str:
    return module.replace("_", "-")


def _buttons(module: str, plan: ModelPlan) -> list[dict[str, str]]:
    return [
        {"button_code": f"B_{module.upper()}_{plan.snake.upper()}_{code}", "button_desc": f"{verb} {plan.model.doc}"}
        for code, verb in BUTTONS
    ]


def menu_spec(module: str, title: str, plans: list[ModelPlan], button_auth: bool) -> dict[str, Any]:
    root = root_route(module)
    children: list[dict[str, Any]] = []
    for index, plan in enumerate(plans, start=1):
        route = f"{root}_{kebab(plan.model.name)}"
        child: dict[str, Any] = {
            "route_name": route,
            "menu_name": plan.model.doc,
            "route_path": f"/{root}/{kebab(plan.model.name)}",
            "component": f"view.{route}",
            "order": index,
            "i18n_key": f"route.{route}",
            "icon": "mdi:table",
        }
        if button_auth:
            child["buttons"] = _buttons(module, plan)
        children.append(child)
    return {
        "route_name": root,
        "menu_name": title,
        "route_path": f"/{root}",
        "order": 8,
        "i18n_key": f"route.{root}",
        "icon": "mdi:application-cog-outline",
        "reconcile": {"menus": True, "buttons": button_auth},
        "children": children,
    }


def api_refs(module: str, plans: list[ModelPlan]) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    for plan in plans:
        base = f"{BUSINESS_PREFIX}/{module}/{plan.plural}"
        refs.extend((ROUTE_APIS[r][0], base + ROUTE_APIS[r][1]) for r in plan.enable_routes)
    return refs


def role_specs(module: str, title: str, menu: dict[str, Any], plans: list[ModelPlan], button_auth: bool) -> list[dict[str, Any]]:
    """An admin role (scope ``all``, every button) and a staff role (scope ``self``, no delete button)."""
    menus = [menu["route_name"], *[child["route_name"] for child in menu["children"]]]
    buttons = [b["button_code"] for child in menu["children"] for b in child.get("buttons", [])]
    apis = api_refs(module, plans)
    upper = module.upper()
    admin = {
        "role_code": f"R_{upper}_ADMIN",
        "role_name": f"{title} admin",
        "role_desc": f"manages every {title} record",
        "data_scope": "all",
        "menus": menus,
        "buttons": buttons,
        "apis": apis,
    }
    staff = {
        "role_code": f"R_{upper}_STAFF",
        "role_name": f"{title} staff",
        "role_desc": f"works on own {title} records; cannot delete",
        "data_scope": "self",
        "menus": menus,
        "buttons": [code for code in buttons if not code.endswith("_DELETE")],
        "apis": apis,
    }
    return [admin, staff]


def init_data_file(module: str, title: str, plans: list[ModelPlan], button_auth: bool) -> str:
    menu = menu_spec(module, title, plans, button_auth)
    roles = role_specs(module, title, menu, plans, button_auth)
    return render(
        "gen/init_data.py.tmpl",
        module=module,
        root=root_route(module),
        menu=repr(menu),
        roles=repr(roles),
        reconcile_buttons="declared_buttons(MENU)" if button_auth else "None",
    )


def module_file(module: str, title: str, plans: list[ModelPlan]) -> str:
    limits = {f"{BUSINESS_PREFIX}/{module}/{p.plural}/search": p.rate_limit for p in plans if p.rate_limit}
    return render("gen/module.py.tmpl", module=module, title=repr(title), rate_limits=repr(limits))
