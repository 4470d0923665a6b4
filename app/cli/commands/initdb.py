"""``initdb [--force] [--yes]``: create the tables of a fresh database by applying migrations.

A database that already has tables is refused unless ``--force``, which drops
every table after a confirmation (or ``--yes``). A database that looks like
production (see ``_db.production_reason``) is refused unless both ``--force``
and ``--yes`` are given. Seeds are not written here: the app seeds at start.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.cli.commands._common import EXIT_OK, CliError, confirm, echo, load_settings, progress, tortoise_config
from app.cli.commands._db import connection, drop_tables, list_tables, orm, production_reason
from app.cli.commands.migrate import report
from app.core.config import Settings
from app.core.migrate import apply_migrations

HELP = "create the tables of a fresh database (--force resets a development database)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="drop every existing table first (development databases)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def guard_production(settings: Settings, config: dict[str, Any], args: argparse.Namespace) -> None:
    for url in config["connections"].values():
        reason = production_reason(settings, str(url))
        if reason and not (args.force and args.yes):
            raise CliError(f"refusing: this looks like a production database ({reason}); pass --force --yes to override")


async def initdb(settings: Settings, config: dict[str, Any], args: argparse.Namespace) -> list[str]:
    guard_production(settings, config, args)
    async with orm(config):
        for conn_name in config["connections"]:
            conn = connection(conn_name)
            tables = await list_tables(conn)
            if tables and not args.force:
                raise CliError(f"{conn_name} already has {len(tables)} tables; use migrate, or --force to reset a development database")
            if tables:
                if not confirm(f"Drop all {len(tables)} tables on {conn_name}?", assume_yes=args.yes):
                    raise CliError("aborted: nothing was changed")
                progress(f"dropping {len(tables)} tables on {conn_name}")
                await drop_tables(conn, tables)
        progress("applying migrations")
        return await apply_migrations(config, progress=report)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    applied = asyncio.run(initdb(settings, tortoise_config(settings), args))
    echo(f"database ready: {len(applied)} migration(s) applied; seeds are written when the app starts")
    return EXIT_OK
