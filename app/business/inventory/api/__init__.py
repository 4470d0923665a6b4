"""Inventory HTTP API, mounted at /api/v1/business/inventory (permission-checked)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.business.inventory import services
from app.business.inventory.controllers import product_controller, warehouse_controller
from app.business.inventory.schemas import (
    ProductCreate,
    ProductSearch,
    ProductTransition,
    ProductUpdate,
    WarehouseCreate,
    WarehouseSearch,
    WarehouseUpdate,
)
from app.utils import CRUDRouter, SqidPath, Success, encode_id, require_buttons

#: The rate limiter reads this: at most 60 product searches per minute per client.
ENDPOINT_RATE_LIMITS = {"/api/v1/business/inventory/products/search": (60, 60)}

warehouses = CRUDRouter(
    "/warehouses",
    warehouse_controller,
    create_schema=WarehouseCreate,
    update_schema=WarehouseUpdate,
    list_schema=WarehouseSearch,
    search_fields={"contains": ["name"], "exact": ["code"]},
    summary_prefix="Warehouse",
    soft_delete=True,
    tree_endpoint=True,
    route_key_prefix="inventory.warehouses",
    action_dependencies={
        "create": [require_buttons("B_INVENTORY_WAREHOUSE_CREATE")],
        "update": [require_buttons("B_INVENTORY_WAREHOUSE_EDIT")],
        "delete": [require_buttons("B_INVENTORY_WAREHOUSE_DELETE")],
        "batch_delete": [require_buttons("B_INVENTORY_WAREHOUSE_DELETE")],
    },
)


@warehouses.override("delete")
async def delete_warehouse(item_id: SqidPath) -> Success:
    await services.delete_warehouse(item_id)
    return Success({"deletedId": encode_id(item_id)})


products = CRUDRouter(
    "/products",
    product_controller,
    create_schema=ProductCreate,
    update_schema=ProductUpdate,
    list_schema=ProductSearch,
    search_fields={"contains": ["name"], "exact": ["sku", "status", "warehouse_id"]},
    summary_prefix="Product",
    enable_routes=["list", "get", "create", "update", "delete"],
    route_key_prefix="inventory.products",
    data_policy="inventory.product.read",
    action_dependencies={
        "create": [require_buttons("B_INVENTORY_PRODUCT_CREATE")],
        "update": [require_buttons("B_INVENTORY_PRODUCT_EDIT")],
        "delete": [require_buttons("B_INVENTORY_PRODUCT_DELETE")],
    },
)


@products.override("get")
async def get_product(item_id: SqidPath) -> Success:
    return Success((await services.get_product(item_id)).to_dict())


@products.override("create")
async def create_product(request: Request, body: ProductCreate) -> Success:
    product = await services.create_product(body, request.app.state.redis)
    return Success({"createdId": encode_id(product.id)})


@products.override("update")
async def update_product(request: Request, item_id: SqidPath, body: ProductUpdate) -> Success:
    await services.update_product(item_id, body, request.app.state.redis)
    return Success({"updatedId": encode_id(item_id)})


@products.override("delete")
async def delete_product(item_id: SqidPath) -> Success:
    await services.delete_product(item_id)
    return Success({"deletedId": encode_id(item_id)})


@products.post(
    "/{item_id}/transition",
    name="inventory.products.transition",
    summary="Change a product's status",
    dependencies=[require_buttons("B_INVENTORY_PRODUCT_PUBLISH")],
)
async def transition_product(item_id: SqidPath, body: ProductTransition) -> Success:
    product = await services.transition_product(item_id, body)
    return Success({"status": product.status, "version": product.version})


router = APIRouter()
router.include_router(warehouses)
router.include_router(products)
