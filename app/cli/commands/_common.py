"""What every command shares: errors with exit codes, output, confirmation, settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from app.core.config import ConfigError, Settings, prepare_settings
from app.core.config import load_settings as read_settings
from app.core.migrate import project_root

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A command stops with a one-line message and an exit code (2 = bad input)."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    """Bad input: unknown model, malformed option, unsafe name. Exit code 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def echo(message: str = "") -> None:
    print(message, flush=True)


def progress(message: str) -> None:
    """A progress line on stderr (stdout stays parseable)."""
    print(f"... {message}", file=sys.stderr, flush=True)


def confirm(question: str, *, assume_yes: bool) -> bool:
    """Ask on a terminal; without one (and without --yes) the answer is no."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def root_of(args: Any) -> Path:
    """Project directory: ``--root`` or the one holding this ``app`` package."""
    root = getattr(args, "root", None)
    return Path(root).resolve() if root else project_root()


def load_settings() -> Settings:
    """Settings from the environment and ``.env``, resolved like the server does."""
    try:
        return prepare_settings(read_settings())
    except (ConfigError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"configuration: {first_line}") from None


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """The ``TORTOISE_ORM`` dict the app would use (built by ``create_app``; nothing starts)."""
    from app import create_app

    if settings.embedded_db:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
    app = create_app(settings)
    config: dict[str, Any] = app.state.tortoise_config
    return config
