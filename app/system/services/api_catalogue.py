"""Reconcile the ``apis`` table with the live FastAPI routes (behaviour.md §3).

Runs in bulk: one read of the table, then one bulk insert, one bulk update
and one delete, inside a transaction, so a cold start with hundreds of routes
costs a handful of queries instead of one per route.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loguru import logger
from tortoise.transactions import in_transaction

from app.core.database import get_db_conn
from app.core.model import MethodType
from app.system.models import Api
from app.system.services.init_helper._upsert import delete_links


@dataclass(frozen=True)
class RouteEntry:
    method: str
    path: str
    summary: str
    tags: str


@dataclass
class CatalogueChanges:
    """What one reconciliation changed."""

    inserted: list[tuple[str, str]] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)


def format_tags(tags: list[str]) -> str:
    """Tags stored pipe-delimited with fences, ``|a|b|``, so ``|a|`` matches by substring."""
    return "|" + "|".join(tags) + "|" if tags else ""


async def refresh_api_list(live: dict[tuple[str, str], RouteEntry]) -> CatalogueChanges:
    """Make the ``apis`` table match the live routes (see ``app.system.api.route_table``).

    Missing routes are inserted, summary/tags brought up to date and
    ``is_system`` set on every live row; rows of routes that no longer exist
    are deleted with a WARNING (their role grants go with them). ``status_type``
    is never touched, so a disabled API stays disabled.
    """
    changes = CatalogueChanges()
    async with in_transaction(get_db_conn(Api).connection_name):
        rows = {(str(api.api_method.value), api.api_path): api for api in await Api.all()}
        stale = [api for key, api in rows.items() if key not in live]
        changed = [api for key, api in rows.items() if key in live and _refresh_row(api, live[key])]
        new = [
            Api(api_method=MethodType(e.method), api_path=e.path, summary=e.summary, tags=e.tags, is_system=True)
            for k, e in live.items()
            if k not in rows
        ]
        if stale:
            await delete_links(Api, [api.id for api in stale])
            await Api.filter(id__in=[api.id for api in stale]).delete()
        if changed:
            await Api.bulk_update(changed, fields=["summary", "tags", "is_system"], batch_size=200)
        if new:
            await Api.bulk_create(new, batch_size=200, ignore_conflicts=True)
    changes.inserted = sorted((api.api_method.value, api.api_path) for api in new)
    changes.updated = sorted((api.api_method.value, api.api_path) for api in changed)
    changes.deleted = sorted((api.api_method.value, api.api_path) for api in stale)
    for method, path in changes.deleted:
        logger.warning("API deleted: {} {} (its route is gone; role grants of it were removed)", method.upper(), path)
    logger.info("API catalogue: {} inserted, {} updated, {} deleted", len(new), len(changed), len(stale))
    return changes


def _refresh_row(api: Api, entry: RouteEntry) -> bool:
    """Copy summary/tags/is_system from ``entry``; True when anything changed."""
    if (api.summary, api.tags, api.is_system) == (entry.summary, entry.tags, True):
        return False
    api.summary, api.tags, api.is_system = entry.summary, entry.tags, True
    return True
