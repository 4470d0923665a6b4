"""``init <module>``: a business module skeleton (``__init__.py`` and a commented ``models.py``)."""

from __future__ import annotations

import argparse

from app.cli.commands._common import EXIT_OK, CliError, echo, root_of
from app.cli.commands._gen.names import business_dir, check_module_name
from app.cli.commands._gen.render import render

HELP = "create app/business/<module>/ with __init__.py and a commented models.py"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", help="module name: lowercase letters, digits, underscores (^[a-z][a-z0-9_]*$)")
    parser.add_argument("--title", help="human title written into the package docstring")


def run(args: argparse.Namespace) -> int:
    name = check_module_name(args.module)
    target = business_dir(root_of(args), name)
    if target.exists() and any(target.iterdir()):
        raise CliError(f"app/business/{name} already exists and is not empty")
    title = args.title or name.replace("_", " ").title()
    files = {
        "__init__.py": render("module_init.py.tmpl", title=title),
        "models.py": render("models.py.tmpl", module=name, title=title, table_prefix=f"biz_{name}_"),
    }
    target.mkdir(parents=True, exist_ok=True)
    for filename, text in files.items():
        (target / filename).write_text(text, encoding="utf-8")
        echo(f"created app/business/{name}/{filename}")
    echo(f"next: describe your tables in app/business/{name}/models.py, then `python -m app.cli crud {name} --yes`")
    return EXIT_OK
