"""Response bodies stored once: an admin backend answers the same pages again and again.

A captured response body of at least ``SHARED_BODY_MIN`` characters is not
kept in its request row: the row gets the body's digest
(``response_body_ref``) and the text goes to ``radar_bodies``, written again
by a process at most every ``REFRESH_SECONDS`` to refresh its ``last_seen``.
Row size is what a store's insert costs: a SQLite insert of a request row
carrying a 3.3 KB list page took 18–30 µs, of the same row without it about
8 µs (docs/performance.md), and the store no longer grows by every repeat.
Readers put the text back (``attach_bodies``), so the API answers as before.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.system.radar.models import RadarBody, RadarRequest

#: Shorter bodies (envelopes of errors, small answers) stay in their row: sharing them saves little.
SHARED_BODY_MIN = 512
#: A process writes a body it wrote less than this long ago again only to refresh ``last_seen``.
REFRESH_SECONDS = 60.0
#: Bodies outlive the rows pruned with them by this much: a body's ``last_seen`` may lag a row
#: that refers to it by ``REFRESH_SECONDS`` plus a slow write, never minutes.
PRUNE_GRACE = timedelta(minutes=10)


class _Digests:
    """Digests of recent bodies, bounded by their total length.

    The redaction memo hands back the very same string for a repeated body,
    whose hash Python has cached, so a hit costs a dictionary lookup.
    """

    def __init__(self, max_chars: int = 2_000_000) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self._items: dict[str, str] = {}

    def of(self, text: str) -> str:
        found = self._items.get(text)
        if found is None:
            found = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
            if self.chars + len(text) > self.max_chars:
                self._items.clear()
                self.chars = 0
            self._items[text] = found
            self.chars += len(text)
        return found


class _Written:
    """When this process last wrote each body, valid for one store client (a restarted app has another)."""

    def __init__(self, max_entries: int = 4096, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self.client: object = None
        self._at: dict[str, float] = {}

    def due(self, client: object, bodies: dict[str, str]) -> dict[str, str]:
        """The bodies to write now: new to this store, or written more than ``REFRESH_SECONDS`` ago."""
        if client is not self.client:
            self._at.clear()
            self.client = client
        now = self.clock()
        at = self._at
        return {digest: text for digest, text in bodies.items() if now - at.get(digest, -REFRESH_SECONDS) >= REFRESH_SECONDS}

    def mark(self, digests: Iterable[str]) -> None:
        if len(self._at) >= self.max_entries:
            self._at.clear()
        self._at.update(dict.fromkeys(digests, self.clock()))


_DIGESTS = _Digests()
_WRITTEN = _Written()


def share_bodies(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Move each long response body out of its row; return the bodies to store, by digest."""
    shared: dict[str, str] = {}
    for row in rows:
        text = row["response_body"]
        if text is not None and len(text) >= SHARED_BODY_MIN:
            digest = _DIGESTS.of(text)
            shared[digest] = text
            row["response_body"] = None
            row["response_body_ref"] = digest
    return shared


async def store_bodies(bodies: dict[str, str]) -> None:
    """Insert new bodies and refresh ``last_seen`` of known ones due for it.

    Two portable statements rather than one upsert: Tortoise writes MySQL's
    upsert with the row alias MySQL 8.0.19 introduced, which MariaDB rejects.
    """
    due = _WRITTEN.due(RadarBody._meta.db, bodies)
    if not due:
        return
    seen = datetime.now(UTC)
    await RadarBody.bulk_create(
        [RadarBody(digest=digest, text=text, last_seen=seen) for digest, text in due.items()], ignore_conflicts=True
    )
    await RadarBody.filter(digest__in=list(due)).update(last_seen=seen)
    _WRITTEN.mark(due)


async def attach_bodies(rows: Iterable[RadarRequest]) -> None:
    """Put shared bodies back into their rows (one query for all of them)."""
    wanting = [row for row in rows if row.response_body_ref]
    if not wanting:
        return
    found = await RadarBody.filter(digest__in={row.response_body_ref for row in wanting}).values_list("digest", "text")
    texts = {str(digest): str(text) for digest, text in found}
    for row in wanting:
        text = texts.get(str(row.response_body_ref))
        if text is not None:  # else it stays None: the body was pruned by hand
            row.response_body = text


async def prune_bodies(cutoff: datetime) -> int:
    """Delete bodies no batch has referred to since well before ``cutoff`` (the rows before it are gone).

    A body this process wrote within ``REFRESH_SECONDS`` is never among them:
    its ``last_seen`` is far younger than ``cutoff - PRUNE_GRACE``.
    """
    return int(await RadarBody.filter(last_seen__lt=cutoff - PRUNE_GRACE).delete())


__all__ = ["PRUNE_GRACE", "REFRESH_SECONDS", "SHARED_BODY_MIN", "attach_bodies", "prune_bodies", "share_bodies", "store_bodies"]
