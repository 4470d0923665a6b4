"""Events inventory publishes (other modules subscribe by name, never by import)."""

from __future__ import annotations

from pydantic import BaseModel

from app.utils import EventSpec


class ProductCreated(BaseModel):
    product_id: int
    sku: str
    warehouse_id: int
    owner_id: int


class ProductStatusChanged(BaseModel):
    product_id: int
    sku: str
    source: str
    target: str
    version: int


#: Stored with the insert (outbox): a committed product always announces itself.
PRODUCT_CREATED = EventSpec("product.created", payload=ProductCreated, delivery="outbox")
#: Dispatched in-process right after the transition commits.
PRODUCT_STATUS_CHANGED = EventSpec("product.status_changed", payload=ProductStatusChanged)
