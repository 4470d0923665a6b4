"""Ledger tables (prefix ``biz_ledger_``), on the ledger's own database."""

from __future__ import annotations

from tortoise import fields

from app.utils import BaseModel


class LedgerEntry(BaseModel):
    """One booked line; entries are never edited, only added."""

    account = fields.CharField(max_length=50, db_index=True)
    amount = fields.IntField(default=0)
    memo = fields.CharField(max_length=200)
    product_id = fields.IntField(null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "biz_ledger_entries"
