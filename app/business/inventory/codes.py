"""Inventory's response codes (4000-4099) and their messages."""

from __future__ import annotations

from enum import StrEnum

from app.utils import BizError


class InventoryCode(StrEnum):
    INVALID_PRODUCT_TRANSITION = "4000"
    UNKNOWN_TAG = "4001"
    WAREHOUSE_NOT_FOUND = "4002"
    WAREHOUSE_NOT_EMPTY = "4003"


MESSAGES: dict[str, str] = {
    InventoryCode.INVALID_PRODUCT_TRANSITION: "This product cannot move to that status",
    InventoryCode.UNKNOWN_TAG: "Unknown product tag",
    InventoryCode.WAREHOUSE_NOT_FOUND: "Warehouse not found",
    InventoryCode.WAREHOUSE_NOT_EMPTY: "The warehouse still holds products",
}


class InventoryError(BizError):
    """A rule of the inventory module failed."""

    def __init__(self, code: InventoryCode) -> None:
        super().__init__(code, MESSAGES[code])
