"""One module per command; each exposes ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``."""

from __future__ import annotations

#: command name -> module under ``app.cli.commands`` (imported only when that command runs)
COMMANDS: dict[str, str] = {
    "initdb": "initdb",
    "makemigrations": "makemigrations",
    "migrate": "migrate",
    "history": "history",
    "init": "init_module",
    "gen": "gen",
    "crud": "gen",
    "init-plan": "init_plan",
    "check-boundaries": "check_boundaries",
    "module-list": "module_list",
    "undo": "undo",
}
