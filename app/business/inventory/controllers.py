"""Data access for one model each (``CRUDBase``)."""

from __future__ import annotations

from app.business.inventory.models import Product, Warehouse
from app.utils import CRUDBase

warehouse_controller = CRUDBase(Warehouse)
product_controller = CRUDBase(Product)
