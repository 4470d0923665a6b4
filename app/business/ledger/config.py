"""Where the ledger's tables live: ``LEDGER_DB_URL``, else a SQLite file beside the main data."""

from __future__ import annotations

import os


class LedgerConfig:
    """Read when discovery asks for ``DB_URL`` (at app creation), never at import."""

    @property
    def DB_URL(self) -> str:  # noqa: N802 - the name discovery looks for
        return os.environ.get("LEDGER_DB_URL") or "sqlite://data/ledger.sqlite3"


settings = LedgerConfig()
