"""Ledger HTTP API, mounted at /api/v1/business/ledger (permission-checked)."""

from __future__ import annotations

from app.business.ledger.controllers import entry_controller
from app.business.ledger.schemas import EntryCreate, EntrySearch
from app.utils import CRUDRouter

router = CRUDRouter(
    "/entries",
    entry_controller,
    create_schema=EntryCreate,
    list_schema=EntrySearch,
    search_fields={"exact": ["account"]},
    summary_prefix="Ledger entry",
    list_order=["-id"],
    enable_routes=["list", "get", "create"],
    route_key_prefix="ledger.entries",
)
