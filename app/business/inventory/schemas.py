"""Request bodies of the inventory API (camelCase on the wire)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.utils import Int32, PageQueryBase, SchemaBase, SqidId, make_optional


class WarehouseCreate(SchemaBase):
    name: str = Field(min_length=1, max_length=50)
    code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Z0-9_-]+$")
    parent_id: SqidId | None = None
    manager_id: SqidId | None = None
    order: Int32 = 0


WarehouseUpdate = make_optional(WarehouseCreate, "WarehouseUpdate")


class WarehouseSearch(PageQueryBase):
    name: str | None = None
    code: str | None = None


class ProductCreate(SchemaBase):
    name: str = Field(min_length=1, max_length=100)
    sku: str = Field(min_length=1, max_length=40)
    warehouse_id: SqidId
    quantity: Int32 = Field(default=0, ge=0)
    tags: list[str] = Field(default_factory=list, max_length=10)


class ProductUpdate(SchemaBase):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    quantity: Int32 | None = Field(default=None, ge=0)
    tags: list[str] | None = Field(default=None, max_length=10)


class ProductSearch(PageQueryBase):
    name: str | None = None
    sku: str | None = None
    status: str | None = None
    warehouse_id: SqidId | None = None


class ProductTransition(SchemaBase):
    status: Literal["draft", "active", "archived"]
    version: int | None = None  # the version the client saw; stale → 2306
