"""``module-list``: every business module with its state, database, models and routes."""

from __future__ import annotations

import argparse

from app.cli.commands._common import EXIT_OK, echo
from app.cli.commands._modules import load_app, masked, model_names, module_routes

HELP = "list business modules: enabled state, manifest, database, models, routes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--routes", action="store_true", help="also print every route of each module")


def run(args: argparse.Namespace) -> int:
    loaded = load_app()
    if not loaded.modules:
        echo("no business modules")
        return EXIT_OK
    for spec in loaded.modules:
        version = spec.manifest.version if spec.manifest else "-"
        deps = ",".join(spec.manifest.depends_on) if spec.manifest and spec.manifest.depends_on else "-"
        database = f"{spec.connection} {masked(spec.db_url)}" if spec.db_url else "main"
        routes = module_routes(loaded, spec.name)
        models = ",".join(model_names(spec)) or "-"
        state = "enabled" if spec.enabled else "disabled"
        echo(f"{spec.name}  {state}  {spec.source} v{version}  deps={deps}  db={database}  models={models}  routes={len(routes)}")
        if args.routes:
            for route in routes:
                echo(f"    {route.method:<6} {route.path}  {route.name}")
    return EXIT_OK
