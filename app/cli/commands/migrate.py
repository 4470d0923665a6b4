"""``migrate``: apply pending migrations of every app on its own connection."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.cli.commands._common import EXIT_OK, echo, load_settings, tortoise_config
from app.cli.commands._db import orm
from app.core.migrate import apply_migrations

HELP = "apply pending migrations"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def report(event: str, app_label: str, name: str) -> None:
    if event == "apply_start":
        echo(f"applying {app_label}.{name}")


async def migrate_all(config: dict[str, Any]) -> list[str]:
    async with orm(config):
        return await apply_migrations(config, progress=report)


def run(args: argparse.Namespace) -> int:
    del args
    applied = asyncio.run(migrate_all(tortoise_config(load_settings())))
    echo(f"{len(applied)} migration(s) applied" if applied else "No migrations to apply")
    return EXIT_OK
