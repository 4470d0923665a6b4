"""Data access for ledger entries."""

from __future__ import annotations

from app.business.ledger.models import LedgerEntry
from app.utils import CRUDBase

entry_controller = CRUDBase(LedgerEntry)
