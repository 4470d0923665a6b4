"""Row-level data scope of products: by owner, widened to managed warehouses.

Role data scope ``all`` sees everything; ``scope`` sees own products plus
those in warehouses the user manages; ``self`` / ``custom`` see own products.
"""

from __future__ import annotations

from tortoise.expressions import Q

from app.business.inventory.models import Product, Warehouse
from app.utils import DataPolicy, DataScopeType, PolicyContext, get_current_data_scope


async def managed_warehouse_ids(user_id: int) -> list[int]:
    ids: list[int] = await Warehouse.filter(manager_id=user_id).values_list("id", flat=True)  # type: ignore[assignment]  # flat=True yields ints
    return ids


async def product_scope(ctx: PolicyContext) -> Q | None:
    scope = get_current_data_scope()
    if scope == DataScopeType.all:
        return None
    own = Q(owner_id=ctx.user_id)
    if scope == DataScopeType.scope:
        return own | Q(warehouse_id__in=await managed_warehouse_ids(ctx.user_id) or [0])
    return own


async def product_visible(ctx: PolicyContext, product: Product) -> bool:
    condition = await product_scope(ctx)
    return condition is None or await Product.filter(condition, id=product.id).exists()


PRODUCT_READ = DataPolicy("inventory.product.read", Product, "read", build_filter=product_scope)
PRODUCT_WRITE = DataPolicy("inventory.product.update", Product, "update", build_filter=product_scope, check_object=product_visible)
