"""Inventory's manifest: everything it plugs into Trellis."""

from __future__ import annotations

from app.business.inventory.api import router
from app.business.inventory.events import PRODUCT_CREATED, PRODUCT_STATUS_CHANGED
from app.business.inventory.init_data import INIT_DATA, init
from app.business.inventory.policies import PRODUCT_READ, PRODUCT_WRITE
from app.business.inventory.tasks import PRODUCT_STATS_TASK
from app.utils import BusinessModule, BusinessRouter, PermissionSpec

module = BusinessModule(
    name="inventory",
    title="Inventory",
    version="1.0.0",
    routers=(BusinessRouter(router, auth="permission", tags=("Inventory",)),),
    init=init,
    permissions=PermissionSpec(INIT_DATA),
    events=(PRODUCT_CREATED, PRODUCT_STATUS_CHANGED),
    data_policies=(PRODUCT_READ, PRODUCT_WRITE),
    tasks=(PRODUCT_STATS_TASK,),
    demo=True,
)
