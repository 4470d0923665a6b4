"""The inventory module as a whole: off by default, seeds, warehouses, periodic task."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI

from app.business.inventory.models import Product, Warehouse
from app.business.inventory.tasks import PRODUCT_STATS_TASK, STATS_KEY
from app.core.sqids import encode_id
from app.core.tasks import run_claimed
from app.system.models import Dictionary, Menu, Role
from tests.business.inventory.conftest import Caller


async def test_demo_modules_are_off_unless_enabled(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory()  # BUSINESS_MODULES_ENABLED not set
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/api/v1/business/inventory/products/search", json={})).json()["code"] == "1300"
    assert [spec.name for spec in app.state.business_modules] == []


async def test_start_up_seeds_menus_buttons_roles_dictionary_and_warehouses(app: FastAPI) -> None:
    root = await Menu.get(route_name="inventory")
    children = await Menu.filter(parent_id=root.id).order_by("order").values_list("route_name", flat=True)
    assert children == ["inventory_warehouse", "inventory_product"]
    product_menu = await Menu.get(route_name="inventory_product").prefetch_related("by_menu_buttons")
    codes = sorted(b.button_code for b in product_menu.by_menu_buttons)
    assert codes == ["B_INVENTORY_PRODUCT_CREATE", "B_INVENTORY_PRODUCT_DELETE", "B_INVENTORY_PRODUCT_EDIT", "B_INVENTORY_PRODUCT_PUBLISH"]
    scopes = dict(await Role.filter(role_code__in=["R_INV_MANAGER", "R_INV_CLERK"]).values_list("role_code", "data_scope"))
    assert scopes == {"R_INV_MANAGER": "scope", "R_INV_CLERK": "self"}
    assert await Dictionary.filter(dict_type="inventory_tag").count() == 3
    site = await Warehouse.get(code="MAIN")
    assert (await Warehouse.get(code="MAIN-A")).parent_id == site.id
    assert app.state.init_errors == {}
    assert app.state.endpoint_rate_limits["/api/v1/business/inventory/products/search"] == (60, 60)


async def test_warehouses_form_a_tree_and_are_soft_deleted(su: Caller) -> None:
    tree = (await su.get("/warehouses/tree"))["data"]
    assert [(node["code"], [child["code"] for child in node["children"]]) for node in tree] == [("MAIN", ["MAIN-A"])]
    created = await su.post("/warehouses", {"name": "Overflow", "code": "OVF"})
    sqid = created["data"]["createdId"]
    assert (await su.delete(f"/warehouses/{sqid}"))["code"] == "0000"
    assert await Warehouse.filter(code="OVF").count() == 0
    assert (await Warehouse.all_objects.get(code="OVF")).deleted_at is not None


async def test_a_warehouse_holding_products_cannot_be_deleted(su: Caller) -> None:
    site = await Warehouse.get(code="MAIN-A")
    await Product.create(name="Bolt", sku="B-1", owner_id=1, warehouse_id=site.id)
    assert (await su.delete(f"/warehouses/{encode_id(site.id)}"))["code"] == "4003"


async def test_a_clerk_is_not_granted_warehouse_writes(clerk: Caller) -> None:
    assert (await clerk.post("/warehouses", {"name": "Nope", "code": "NOPE"}))["code"] == "2201"
    assert (await clerk.get("/warehouses/tree"))["code"] == "0000"


async def test_the_stats_task_counts_products_per_status(app: FastAPI) -> None:
    await app.state.task_runner.stop()  # the worker's own run (it runs at start-up) must not race this one
    site = await Warehouse.get(code="MAIN")
    for sku, status in (("A", "draft"), ("B", "draft"), ("C", "active")):
        await Product.create(name=sku, sku=sku, status=status, owner_id=1, warehouse_id=site.id)
    redis = app.state.redis
    await redis.delete(PRODUCT_STATS_TASK.key)  # the worker may have claimed this interval at start-up
    assert await run_claimed(PRODUCT_STATS_TASK, redis)
    assert await redis.hgetall(STATS_KEY) == {"draft": "2", "active": "1"}
