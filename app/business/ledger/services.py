"""Booking entries, always in a transaction on the ledger's own connection."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from app.business.ledger.models import LedgerEntry
from app.utils import get_db_conn

STATUS_ACCOUNT = "inventory.status"


async def book(account: str, memo: str, *, amount: int = 0, product_id: int | None = None) -> LedgerEntry:
    async with in_transaction(get_db_conn(LedgerEntry).connection_name):
        return await LedgerEntry.create(account=account, memo=memo, amount=amount, product_id=product_id)


async def on_product_status_changed(event: dict[str, Any]) -> None:
    """Subscriber of ``product.status_changed`` (published by inventory, known only by name)."""
    memo = f"{event['sku']}: {event['source']} -> {event['target']}"
    await book(STATUS_ACCOUNT, memo, product_id=int(event["product_id"]))
