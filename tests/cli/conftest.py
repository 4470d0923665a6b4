"""CLI fixtures: run ``python -m app.cli`` in-process, on a database of the CLI's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli.__main__ import main
from tests import services
from tests.conftest import TEST_SECRET

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run_cli("crud", "shop", "--yes")`` -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def cli_db(fresh_db: services.Backend) -> services.Backend:
    """The CLI's database: fresh and empty, this test's own."""
    return fresh_db


@pytest.fixture
def cli_env(cli_db: services.Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> services.Backend:
    """Environment the CLI reads its settings from, pointing at ``cli_db``."""
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "DB_URL": cli_db.db_url,
        "SECRET_KEY": TEST_SECRET,
        "APP_DEBUG": "true",
        "LOG_TO_FILE": "false",
        "LOG_LEVEL": "WARNING",
        "RADAR_ENABLED": "false",
        "GUARD_ENABLED": "false",
        "DATA_DIR": str(tmp_path / "data"),
    }.items():
        monkeypatch.setenv(key, value)
    return cli_db
