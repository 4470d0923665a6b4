"""The declarative seeding helpers: upsert keys, defaults, None/[]/list, reconcile, drift, races."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from tortoise.exceptions import IntegrityError

from app.core.security import verify_password
from app.system.models import Api, Button, Dictionary, Menu, Role, User
from app.system.services import (
    MenuSpec,
    apply_init_data,
    ensure_dictionary,
    ensure_menu,
    ensure_role,
    ensure_user,
    reconcile_menu_subtree,
)
from tests.system.seeding import bare_app, warnings_log

__all__ = ["bare_app", "warnings_log"]


def tree(*children: MenuSpec, **root: object) -> MenuSpec:
    spec: MenuSpec = {"route_name": "crm", "menu_name": "CRM", "route_path": "/crm", "children": list(children)}
    spec.update(root)  # type: ignore[typeddict-item]
    return spec


def page(name: str, **extra: object) -> MenuSpec:
    spec: MenuSpec = {"route_name": name, "menu_name": name, "route_path": "/" + name.replace("_", "/")}
    spec.update(extra)  # type: ignore[typeddict-item]
    return spec


async def button_codes(menu_name: str) -> set[str]:
    menu = await Menu.get(route_name=menu_name)
    return {b.button_code for b in await menu.by_menu_buttons.all()}


# ---- ensure_menu ---------------------------------------------------------------
async def test_ensure_menu_applies_the_seeder_defaults(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_customer", icon="mdi:table", component="view.crm_customer")))
    root = await Menu.get(route_name="crm")
    child = await Menu.get(route_name="crm_customer")
    assert (root.parent_id, root.menu_type, root.component, root.i18n_key) == (0, "1", "layout.base", "route.crm")
    assert (root.icon, root.icon_type, root.order) == (None, None, 1)
    assert (child.parent_id, child.menu_type, child.component) == (root.id, "2", "view.crm_customer")
    assert (child.icon, child.icon_type, child.i18n_key) == ("mdi:table", "1", "route.crm_customer")


async def test_a_constant_root_menu_gets_no_layout(bare_app: FastAPI) -> None:
    await ensure_menu(page("landing", constant=True, hide_in_menu=True))
    menu = await Menu.get(route_name="landing")
    assert (menu.component, menu.constant, menu.hide_in_menu, menu.menu_type) == (None, True, True, "2")


async def test_ensure_menu_upserts_by_route_name(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_customer")))
    await Menu.filter(route_name="crm").update(keep_alive=True)
    await ensure_menu(tree(page("crm_customer", menu_name="Customers", order=3)))
    assert await Menu.all().count() == 2
    child = await Menu.get(route_name="crm_customer")
    assert (child.menu_name, child.order) == ("Customers", 3)
    assert (await Menu.get(route_name="crm")).keep_alive is True  # undeclared fields keep UI edits


async def test_without_overwrite_existing_menus_are_kept_and_missing_ones_created(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_customer")))
    await ensure_menu(tree(page("crm_customer", menu_name="Renamed"), page("crm_order")), overwrite=False)
    assert (await Menu.get(route_name="crm_customer")).menu_name == "crm_customer"
    assert await Menu.filter(route_name="crm_order").exists()


async def test_a_missing_parent_skips_the_subtree_with_a_warning(bare_app: FastAPI, warnings_log: list[str]) -> None:
    result = await ensure_menu(page("orphan", parent_route="nowhere", children=[page("orphan_child")]))
    assert result is None
    assert await Menu.all().count() == 0
    assert any("nowhere" in line and "renamed or deleted?" in line for line in warnings_log)


async def test_parent_route_attaches_under_an_existing_menu(bare_app: FastAPI) -> None:
    await ensure_menu(tree())
    await ensure_menu(page("crm_extra", parent_route="crm"))
    assert (await Menu.get(route_name="crm_extra")).parent_id == (await Menu.get(route_name="crm")).id


async def test_buttons_none_leaves_empty_list_unlinks_list_replaces(bare_app: FastAPI) -> None:
    first = [{"button_code": "B_A", "button_desc": "a"}, {"button_code": "B_B", "button_desc": "b"}]
    await ensure_menu(page("crm", buttons=first))
    await ensure_menu(page("crm", buttons=None))
    assert await button_codes("crm") == {"B_A", "B_B"}
    await ensure_menu(page("crm", buttons=[{"button_code": "B_B", "button_desc": "bee"}, {"button_code": "B_C", "button_desc": "c"}]))
    assert await button_codes("crm") == {"B_B", "B_C"}
    assert (await Button.get(button_code="B_B")).button_desc == "bee"
    assert await Button.filter(button_code="B_A").exists()  # unlinked, not deleted
    await ensure_menu(page("crm", buttons=[]))
    assert await button_codes("crm") == set()


async def test_concurrent_ensure_menu_creates_one_row(bare_app: FastAPI) -> None:
    spec = page("crm", buttons=[{"button_code": "B_X", "button_desc": "x"}])
    await asyncio.gather(*(ensure_menu(spec) for _ in range(6)))
    assert await Menu.filter(route_name="crm").count() == 1
    assert await Button.filter(button_code="B_X").count() == 1


async def test_a_clash_on_another_unique_column_is_not_swallowed(bare_app: FastAPI) -> None:
    await ensure_menu(page("crm"))
    with pytest.raises(IntegrityError):
        await ensure_menu({"route_name": "other", "menu_name": "x", "route_path": "/crm"})


# ---- reconcile -------------------------------------------------------------------
async def test_reconcile_deletes_only_undeclared_menus_inside_the_subtree(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_a"), page("crm_b", children=[page("crm_b_deep")])))
    await ensure_menu(page("hand_made"))  # outside the subtree
    result = await reconcile_menu_subtree("crm", {"crm_a"})
    assert sorted(result.deleted_menus) == ["crm_b", "crm_b_deep"]
    assert set(await Menu.all().values_list("route_name", flat=True)) == {"crm", "crm_a", "hand_made"}


async def test_reconcile_with_button_codes_deletes_undeclared_buttons_everywhere(bare_app: FastAPI) -> None:
    await ensure_menu(
        tree(page("crm_a", buttons=[{"button_code": "B_KEEP", "button_desc": "k"}, {"button_code": "B_OLD", "button_desc": "o"}]))
    )
    await ensure_menu(page("elsewhere", buttons=[{"button_code": "B_OUTSIDE", "button_desc": "o"}]))
    await ensure_role({"role_code": "R_CRM", "home_route": "crm_a", "buttons": ["B_KEEP", "B_OLD"]})
    result = await reconcile_menu_subtree("crm", {"crm", "crm_a"}, {"B_KEEP"})
    assert result.deleted_buttons == ["B_OLD"]
    assert set(await Button.all().values_list("button_code", flat=True)) == {"B_KEEP", "B_OUTSIDE"}
    role = await Role.get(role_code="R_CRM")
    assert {b.button_code for b in await role.by_role_buttons.all()} == {"B_KEEP"}


async def test_reconcile_without_button_codes_keeps_buttons(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_a", buttons=[{"button_code": "B_OLD", "button_desc": "o"}])))
    await reconcile_menu_subtree("crm", {"crm_a"}, None)
    assert await Button.filter(button_code="B_OLD").exists()


async def test_reconcile_of_a_missing_root_is_a_warned_no_op(bare_app: FastAPI, warnings_log: list[str]) -> None:
    await ensure_menu(page("hand_made"))
    result = await reconcile_menu_subtree("ghost", set())
    assert result.deleted_menus == [] and await Menu.all().count() == 1
    assert any("ghost" in line for line in warnings_log)


async def test_reconcile_moves_the_home_of_roles_off_a_deleted_menu(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_gone")))
    await ensure_role({"role_code": "R_CRM", "home_route": "crm_gone", "menus": ["crm", "crm_gone"]})
    await reconcile_menu_subtree("crm", set())
    role = await Role.get(role_code="R_CRM")
    assert role.by_role_home_id == (await Menu.get(route_name="crm")).id
    assert [m.route_name for m in await role.by_role_menus.all()] == ["crm"]


def crm_spec(children: list[MenuSpec], buttons: list[str]) -> MenuSpec:
    declared = [{"button_code": code, "button_desc": code} for code in buttons]
    return tree(*children, reconcile={"menus": True, "buttons": True}, buttons=declared)


async def test_declared_seeds_changed_between_two_starts_rename_and_reap(bare_app: FastAPI) -> None:
    """Issue 4 "Reconciliation": renamed routes/buttons replaced, removed ones reaped inside the subtree only."""
    await apply_init_data({"menus": [crm_spec([page("crm_customer"), page("crm_lead")], ["B_CRM_EDIT", "B_CRM_OLD"])]})
    await ensure_menu(page("crm_by_hand", parent_route="crm"))  # created in the UI under the reconciled root
    await ensure_menu(page("reports"))  # created in the UI outside it
    # second start: crm_lead renamed to crm_prospect, button B_CRM_OLD renamed to B_CRM_NEW
    report = await apply_init_data({"menus": [crm_spec([page("crm_customer"), page("crm_prospect")], ["B_CRM_EDIT", "B_CRM_NEW"])]})
    assert set(await Menu.all().values_list("route_name", flat=True)) == {"crm", "crm_customer", "crm_prospect", "reports"}
    assert set(await Button.all().values_list("button_code", flat=True)) == {"B_CRM_EDIT", "B_CRM_NEW"}
    assert sorted(report.reconciled[0].deleted_menus) == ["crm_by_hand", "crm_lead"]


async def test_create_only_mode_runs_no_reconcile(bare_app: FastAPI) -> None:
    await ensure_menu(tree(page("crm_by_hand")))
    await apply_init_data({"menus": [crm_spec([], [])]}, overwrite=False)
    assert await Menu.filter(route_name="crm_by_hand").exists()


# ---- ensure_role ------------------------------------------------------------------
async def seed_menus_and_apis() -> None:
    await ensure_menu(page("home"))
    await ensure_menu(tree(page("crm_a", buttons=[{"button_code": "B_A", "button_desc": "a"}])))
    await Api.create(api_method="get", api_path="/api/v1/x", summary="x", tags="|x|")
    await Api.create(api_method="post", api_path="/api/v1/x", summary="x", tags="|x|")


async def grants(code: str) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    role = await Role.get(role_code=code)
    menus = {m.route_name for m in await role.by_role_menus.all()}
    buttons = {b.button_code for b in await role.by_role_buttons.all()}
    apis = {(a.api_method.value, a.api_path) for a in await role.by_role_apis.all()}
    return menus, buttons, apis


async def test_ensure_role_none_leaves_empty_clears_list_replaces(bare_app: FastAPI) -> None:
    await seed_menus_and_apis()
    await ensure_role({"role_code": "R_X", "role_name": "X", "menus": ["home", "crm"], "buttons": ["B_A"], "apis": [("GET", "/api/v1/x")]})
    assert await grants("R_X") == ({"home", "crm"}, {"B_A"}, {("get", "/api/v1/x")})
    await ensure_role({"role_code": "R_X", "role_name": "X"})
    assert await grants("R_X") == ({"home", "crm"}, {"B_A"}, {("get", "/api/v1/x")})
    await ensure_role(
        {"role_code": "R_X", "role_name": "X", "menus": ["crm_a"], "buttons": [], "apis": ["x.create"]},
        route_keys={"x.create": ("post", "/api/v1/x")},
    )
    assert await grants("R_X") == ({"crm_a"}, set(), {("post", "/api/v1/x")})
    assert await Role.filter(role_code="R_X").count() == 1


async def test_ensure_role_logs_drift_for_whatever_does_not_resolve(bare_app: FastAPI, warnings_log: list[str]) -> None:
    await seed_menus_and_apis()
    await ensure_role(
        {"role_code": "R_X", "menus": ["home", "gone_menu"], "buttons": ["B_GONE"], "apis": [("get", "/api/v1/gone"), "gone.route"]}
    )
    drift = [line for line in warnings_log if "renamed or deleted?" in line]
    assert any("gone_menu" in line for line in drift)
    assert any("B_GONE" in line for line in drift)
    assert any("/api/v1/gone" in line for line in drift)
    assert any("gone.route" in line for line in drift)
    assert await grants("R_X") == ({"home"}, set(), set())


async def test_ensure_role_home_data_scope_and_status(bare_app: FastAPI, warnings_log: list[str]) -> None:
    await seed_menus_and_apis()
    role = await ensure_role({"role_code": "R_X", "home_route": "crm_a", "data_scope": "self"})
    assert role is not None and role.by_role_home_id == (await Menu.get(route_name="crm_a")).id
    await Role.filter(role_code="R_X").update(status_type="2")
    await ensure_role({"role_code": "R_X", "home_route": "missing"})
    role = await Role.get(role_code="R_X")
    first_menu = await Menu.all().order_by("id").first()
    assert first_menu is not None and role.by_role_home_id == first_menu.id  # menu id 1 (or the first menu)
    assert (role.data_scope, role.status_type, role.role_desc) == ("self", "2", "")  # undeclared scope and status kept
    assert any("missing" in line for line in warnings_log)
    fresh = await ensure_role({"role_code": "R_NEW"})
    assert fresh is not None and fresh.data_scope == "all"


async def test_ensure_role_without_overwrite_keeps_an_existing_role(bare_app: FastAPI) -> None:
    await seed_menus_and_apis()
    await ensure_role({"role_code": "R_X", "role_name": "X", "menus": ["home"]})
    await ensure_role({"role_code": "R_X", "role_name": "Changed", "menus": ["crm"], "apis": []}, overwrite=False)
    assert (await Role.get(role_code="R_X")).role_name == "X"
    assert (await grants("R_X"))[0] == {"home"}


async def test_a_role_needs_a_menu_to_be_its_home(bare_app: FastAPI, warnings_log: list[str]) -> None:
    assert await ensure_role({"role_code": "R_X"}) is None
    assert await Role.all().count() == 0


# ---- ensure_user ------------------------------------------------------------------
async def test_ensure_user_creates_then_resyncs_without_touching_the_password(bare_app: FastAPI) -> None:
    await ensure_menu(page("home"))
    for code in ("R_A", "R_B"):
        await ensure_role({"role_code": code, "role_name": code})
    await ensure_user({"user_name": "alice", "password": "s3cret", "user_email": "a@x.io", "roles": ["R_A"]})
    user = await User.get(user_name="alice")
    assert (user.nick_name, user.user_gender, user.must_change_password) == ("alice", "3", False)
    assert await verify_password("s3cret", user.password)
    await User.filter(id=user.id).update(nick_name="Al", must_change_password=True, user_phone="123")
    await ensure_user({"user_name": "alice", "password": "other", "roles": ["R_B", "R_UNKNOWN"]})
    user = await User.get(user_name="alice")
    assert (user.nick_name, user.must_change_password, user.user_phone, user.user_email) == ("alice", False, "123", "a@x.io")
    assert await verify_password("s3cret", user.password)
    assert [r.role_code for r in await user.by_user_roles.all()] == ["R_B"]
    await ensure_user({"user_name": "alice", "roles": []})
    assert [r.role_code for r in await user.by_user_roles.all()] == ["R_B"]  # [] changes nothing
    await ensure_user({"user_name": "alice", "password": "other", "reset_password": True})
    assert await verify_password("other", (await User.get(user_name="alice")).password)


async def test_ensure_user_without_overwrite_keeps_an_existing_user(bare_app: FastAPI) -> None:
    await ensure_menu(page("home"))
    await ensure_role({"role_code": "R_A"})
    await ensure_role({"role_code": "R_B"})
    await ensure_user({"user_name": "bob", "password": "pw", "roles": ["R_A"]})
    await User.filter(user_name="bob").update(nick_name="Bobby", must_change_password=True)
    await ensure_user({"user_name": "bob", "password": "pw", "roles": ["R_B"]}, overwrite=False)
    user = await User.get(user_name="bob")
    assert (user.nick_name, user.must_change_password) == ("Bobby", True)
    assert [r.role_code for r in await user.by_user_roles.all()] == ["R_A"]


async def test_concurrent_ensure_user_creates_one_row(bare_app: FastAPI) -> None:
    await asyncio.gather(*(ensure_user({"user_name": "carol", "password": "pw"}) for _ in range(4)))
    assert await User.filter(user_name="carol").count() == 1


# ---- dictionaries -------------------------------------------------------------------
async def test_ensure_dictionary_upserts_by_type_and_value(bare_app: FastAPI) -> None:
    await ensure_dictionary({"dict_type": "color", "value": "r", "label": "Red"})
    await ensure_dictionary({"dict_type": "color", "value": "r", "label": "Rouge", "order": 2, "remark": "fr"})
    await ensure_dictionary({"dict_type": "color", "value": "g", "label": "Green"}, overwrite=False)
    await ensure_dictionary({"dict_type": "color", "value": "g", "label": "Vert"}, overwrite=False)
    rows = {(d.value, d.label, d.order, d.remark) for d in await Dictionary.all()}
    assert rows == {("r", "Rouge", 2, "fr"), ("g", "Green", 0, None)}
