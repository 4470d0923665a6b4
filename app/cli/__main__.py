"""``python -m app.cli <command>``: offline tools; nothing here starts the server.

Exit codes: 0 success, 1 refused or failed, 2 bad input (one-line message).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from app.cli.commands import COMMANDS
from app.cli.commands._common import EXIT_USAGE, CliError


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"app.cli.commands.{COMMANDS[name]}")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line with exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m app.cli", description="Trellis offline tools (database, migrations, code generation).")
    parser.add_argument("--root", help="project directory (default: the one holding this app package)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = command_module(name)
        help_text = module.HELP if name != "crud" else "alias of gen"
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = command_module(args.command).run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
