"""Inventory tables (prefix ``biz_inventory_``), on the main database."""

from __future__ import annotations

from tortoise import fields

from app.utils import AuditMixin, BaseModel, SoftDeleteMixin, TreeMixin


class Warehouse(BaseModel, AuditMixin, TreeMixin, SoftDeleteMixin):
    """A site or a zone inside one (``parent_id``); deleting hides it (``deleted_at``)."""

    name = fields.CharField(max_length=50)
    code = fields.CharField(max_length=30, unique=True)
    manager_id = fields.IntField(null=True, db_index=True)

    class Meta:
        table = "biz_inventory_warehouses"


class Product(BaseModel, AuditMixin):
    """A stocked item. ``status`` only changes through ``PRODUCT_STATES``; ``version`` guards it."""

    name = fields.CharField(max_length=100)
    sku = fields.CharField(max_length=40, unique=True)
    status = fields.CharField(max_length=20, default="draft", db_index=True)
    version = fields.IntField(default=0)
    quantity = fields.IntField(default=0)
    owner_id = fields.IntField(db_index=True)
    warehouse_id = fields.IntField(db_index=True)
    tags: fields.Field[list[str] | None] = fields.JSONField(null=True)

    class Meta:
        table = "biz_inventory_products"
