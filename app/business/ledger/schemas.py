"""Request bodies of the ledger API."""

from __future__ import annotations

from pydantic import Field

from app.utils import Int32, PageQueryBase, SchemaBase


class EntryCreate(SchemaBase):
    account: str = Field(min_length=1, max_length=50)
    amount: Int32 = 0
    memo: str = Field(min_length=1, max_length=200)


class EntrySearch(PageQueryBase):
    account: str | None = None
