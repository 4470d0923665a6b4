"""``history``: applied and pending migrations per app."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tortoise.migrations.executor import MigrationExecutor

from app.cli.commands._common import EXIT_OK, echo, load_settings, tortoise_config
from app.cli.commands._db import connection, orm
from app.core.migrate import apps_by_connection, migrations_dir, with_migrations

HELP = "list applied ([X]) and pending ([ ]) migrations per app"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


async def history_lines(config: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    async with orm(config):
        for conn_name, subset in apps_by_connection(with_migrations(config)).items():
            lines.append(f"{conn_name}:")
            present = {label: cfg for label, cfg in subset.items() if (migrations_dir(label) / "__init__.py").is_file()}
            for label in sorted(set(subset) - set(present)):
                lines.append(f"  {label}: no migrations folder (run makemigrations)")
            if not present:
                continue
            executor = MigrationExecutor(connection(conn_name), present)
            pending = {(s.migration.app_label, s.migration.name) for s in await executor.plan()}
            for key in sorted(executor.loader.graph.nodes):
                mark = " " if (key.app_label, key.name) in pending else "X"
                lines.append(f"  [{mark}] {key.app_label}.{key.name}")
    return lines


def run(args: argparse.Namespace) -> int:
    del args
    for line in asyncio.run(history_lines(tortoise_config(load_settings()))):
        echo(line)
    return EXIT_OK
