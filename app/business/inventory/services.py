"""Inventory rules: tags from the dictionary, data scope, the product life cycle, events."""

from __future__ import annotations

from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from app.business.inventory.codes import InventoryCode, InventoryError
from app.business.inventory.controllers import product_controller, warehouse_controller
from app.business.inventory.events import PRODUCT_CREATED, PRODUCT_STATUS_CHANGED
from app.business.inventory.models import Product, Warehouse
from app.business.inventory.policies import PRODUCT_WRITE
from app.business.inventory.schemas import ProductCreate, ProductTransition, ProductUpdate
from app.system.services import dictionary_options
from app.utils import ConflictError, StateMachine, assert_object_policy, emit, get_current_user_id, get_db_conn

TAG_DICT_TYPE = "inventory_tag"
PRODUCT_STATES = StateMachine(
    {"draft": ["active"], "active": ["archived"], "archived": []},
    error_code=InventoryCode.INVALID_PRODUCT_TRANSITION,
    version_field="version",
)


async def check_tags(tags: list[str] | None, redis: Redis | None) -> None:
    """Every tag must be an enabled value of the ``inventory_tag`` dictionary (4001)."""
    if not tags:
        return
    allowed = {option["value"] for option in await dictionary_options(TAG_DICT_TYPE, redis)}
    if not set(tags) <= allowed:
        raise InventoryError(InventoryCode.UNKNOWN_TAG)


async def require_warehouse(warehouse_id: int) -> None:
    if not await Warehouse.filter(id=warehouse_id).exists():
        raise InventoryError(InventoryCode.WAREHOUSE_NOT_FOUND)


async def create_product(data: ProductCreate, redis: Redis | None) -> Product:
    """Insert the product owned by the caller and store ``product.created`` in the same transaction."""
    await require_warehouse(data.warehouse_id)
    await check_tags(data.tags, redis)
    async with in_transaction(get_db_conn(Product).connection_name):
        product = await product_controller.create(data, owner_id=get_current_user_id())
        await emit(PRODUCT_CREATED, product_id=product.id, sku=product.sku, warehouse_id=product.warehouse_id, owner_id=product.owner_id)
    return product


async def get_product(product_id: int) -> Product:
    """The product if the caller's data scope covers it (else 2201)."""
    product = await product_controller.get(product_id)
    await assert_object_policy(PRODUCT_WRITE, product)
    return product


async def update_product(product_id: int, data: ProductUpdate, redis: Redis | None) -> None:
    await get_product(product_id)
    await check_tags(data.tags, redis)
    await product_controller.update(product_id, data)


async def delete_product(product_id: int) -> None:
    await get_product(product_id)
    await product_controller.remove(product_id)


async def transition_product(product_id: int, data: ProductTransition) -> Product:
    """Move the product along draft → active → archived (4000 if not allowed, 2306 if stale)."""
    product = await get_product(product_id)
    if data.version is not None and data.version != product.version:
        raise ConflictError()
    source = product.status
    await PRODUCT_STATES.transition(product, data.status)
    await emit(
        PRODUCT_STATUS_CHANGED, product_id=product.id, sku=product.sku, source=source, target=product.status, version=product.version
    )
    return product


async def delete_warehouse(warehouse_id: int) -> None:
    """Soft-delete an empty warehouse (4003 while products are stored in it)."""
    await warehouse_controller.get(warehouse_id)
    if await Product.filter(warehouse_id=warehouse_id).exists():
        raise InventoryError(InventoryCode.WAREHOUSE_NOT_EMPTY)
    await warehouse_controller.soft_remove(warehouse_id)
