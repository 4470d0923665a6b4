"""``check-boundaries``: the module-boundary rules as an offline AST scan (see app/cli/boundaries.py)."""

from __future__ import annotations

import argparse
import importlib

from app.cli.commands._common import EXIT_FAILED, EXIT_OK, CliError, echo, root_of

HELP = "check import boundaries (core/system/business, sibling modules) without importing the code"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    try:
        checker = importlib.import_module("app.cli.boundaries").check_boundaries
    except (ImportError, AttributeError):
        raise CliError("the boundary checker (app.cli.boundaries.check_boundaries) is not installed") from None
    violations = list(checker(root_of(args)))
    for violation in violations:
        echo(str(violation))
    echo(f"{len(violations)} boundary violation(s)" if violations else "boundaries OK")
    return EXIT_FAILED if violations else EXIT_OK
