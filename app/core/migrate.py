"""Schema migrations: one package per Tortoise app under ``<project>/migrations``.

``migrations/app_system`` holds the system app's history (business models
without their own database join that app); a module with its own database
gets ``migrations/app_<name>``. The CLI writes and applies them; start-up of
the embedded SQLite default applies pending ones (server databases are
migrated explicitly with ``python -m app.cli migrate``).
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loguru import logger
from tortoise import connections
from tortoise.migrations.executor import MigrationExecutor
from tortoise.utils import generate_schema_for_client

MIGRATIONS_PACKAGE = "migrations"

Progress = Callable[[str, str, str], object]


def project_root() -> Path:
    """The directory holding the ``app`` package (and ``migrations/``)."""
    return Path(__file__).resolve().parents[2]


def migrations_dir(app_label: str | None = None) -> Path:
    base = project_root() / MIGRATIONS_PACKAGE
    return base / app_label if app_label else base


def with_migrations(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of a ``TORTOISE_ORM`` dict where every app names its migrations package.

    Apps that keep their own tables (``"migrations": None``, e.g. Radar's store)
    are left out: nothing is made, applied or reported for them.
    """
    out = copy.deepcopy(config)
    out["apps"] = {label: app_cfg for label, app_cfg in out["apps"].items() if app_cfg.get("migrations", "") is not None}
    for label, app_cfg in out["apps"].items():
        app_cfg.setdefault("migrations", f"{MIGRATIONS_PACKAGE}.{label}")
    return out


def ensure_migrations_importable() -> None:
    """Make ``migrations`` resolve to this project's folder (the CLI may run from elsewhere)."""
    root = str(project_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    importlib.invalidate_caches()


def apps_by_connection(config: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    for label, app_cfg in config["apps"].items():
        grouped.setdefault(app_cfg.get("default_connection", "default"), {})[label] = app_cfg
    return grouped


async def apply_migrations(config: dict[str, Any], *, progress: Progress | None = None) -> list[str]:
    """Apply every pending migration on the initialised connections; returns ``app.name`` applied.

    Apps without a migrations package on disk are skipped (nothing to apply).
    """
    ensure_migrations_importable()
    applied: list[str] = []
    for conn_name, subset in apps_by_connection(with_migrations(config)).items():
        present = {label: cfg for label, cfg in subset.items() if _has_package(cfg["migrations"])}
        if not present:
            continue
        executor = MigrationExecutor(connections.get(conn_name), present)
        plan = await executor.plan()
        await executor.migrate(progress=progress)
        applied.extend(f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward)
    return applied


async def migrate_embedded(config: dict[str, Any]) -> list[str]:
    """Start-up of the embedded SQLite: apply pending migrations.

    A connection none of whose apps has a migrations folder yet (an app added
    without ``makemigrations``) gets its tables created directly, with a
    warning, so a fresh data directory still starts.
    """
    applied = await apply_migrations(config)
    for conn_name, subset in apps_by_connection(with_migrations(config)).items():
        if not any(_has_package(cfg["migrations"]) for cfg in subset.values()):
            logger.warning("no migrations for {}: tables created directly; run `python -m app.cli makemigrations`", sorted(subset))
            await generate_schema_for_client(connections.get(conn_name), safe=True)
    if applied:
        logger.info("applied migrations: {}", ", ".join(applied))
    return applied


def _has_package(module: str) -> bool:
    path = project_root().joinpath(*module.split("."))
    return (path / "__init__.py").is_file()
