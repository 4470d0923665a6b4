"""``makemigrations [--app NAME] [--name TEXT] [--check]``: write migrations for model changes."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.writer import MigrationWriter, format_migration_name

from app.cli.commands._common import EXIT_FAILED, EXIT_OK, UsageError, echo, load_settings, tortoise_config
from app.cli.commands._db import orm
from app.core.migrate import migrations_dir, with_migrations

HELP = "write migration files for model changes (one folder per app under migrations/)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", dest="app_label", help="only this Tortoise app (app_system, app_<module>)")
    parser.add_argument("--name", help="migration name suffix (default: derived from the changes)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when migrations are missing")


def ensure_package(app_label: str) -> None:
    """Create ``migrations/`` and ``migrations/<app>/`` as packages if missing."""
    for folder in (migrations_dir(), migrations_dir(app_label)):
        folder.mkdir(parents=True, exist_ok=True)
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")


async def pending_writers(config: dict[str, Any], app_label: str | None) -> list[MigrationWriter]:
    """Migration writers for every app whose models differ from its migrations."""
    apps = with_migrations(config)["apps"]
    if app_label is not None and app_label not in apps:
        raise UsageError(f"unknown app {app_label!r}; known: {', '.join(sorted(apps))}")
    labels = [app_label] if app_label else sorted(apps)
    for label in labels:
        ensure_package(label)
    async with orm(config, connect=False) as ctx:
        assert ctx.apps is not None
        selected = {label: apps[label] for label in labels}
        detector = MigrationAutodetector(ctx.apps, selected)
        return await detector.changes()


def run(args: argparse.Namespace) -> int:
    config = tortoise_config(load_settings())
    writers = asyncio.run(pending_writers(config, args.app_label))
    if not writers:
        echo("No changes detected")
        return EXIT_OK
    if args.check:
        for writer in writers:
            echo(f"missing migration for {writer.app_label} ({len(writer.operations)} operations)")
        return EXIT_FAILED
    for writer in writers:
        if args.name:
            writer.name = format_migration_name(int(writer.name.split("_", 1)[0]), args.name)
        path = writer.write()
        echo(f"created {writer.app_label}.{writer.name}  ({path})")
    return EXIT_OK
