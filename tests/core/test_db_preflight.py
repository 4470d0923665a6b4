"""Before it starts anything, the launcher finds out whether the database can serve Trellis, and says why not."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app.cli.__main__ import main as cli
from app.core.db_preflight import DatabaseNotReadyError, check_database, database_problem
from tests import services
from tests.conftest import TEST_SECRET
from tests.launch import ROOT, free_port, server_env

#: The table the launcher looks for (app/server.py).
MARKER = "menus"


def _problem(db_url: str) -> DatabaseNotReadyError:
    with pytest.raises(DatabaseNotReadyError) as caught:
        asyncio.run(check_database(db_url, 5, MARKER))
    return caught.value


def test_a_database_that_does_not_exist_is_named_with_what_to_do(backend: services.Backend) -> None:
    if backend.name == "sqlite":
        pytest.skip("a SQLite file is created on first use")
    missing = backend.db_url.rsplit("/", 1)[0] + f"/trellis_missing_{uuid.uuid4().hex[:8]}"
    problem = _problem(missing)
    assert problem.fatal
    assert "does not exist" in str(problem) and "python -m app.cli migrate" in str(problem)
    assert missing.rsplit("/", 1)[1] in str(problem)


def test_a_database_without_trellis_tables_asks_for_migrate(fresh_db: services.Backend) -> None:
    problem = _problem(fresh_db.db_url)
    assert problem.fatal
    assert "has no Trellis tables: run `python -m app.cli migrate` first" in str(problem)


def test_a_database_initialised_by_initdb_can_serve(fresh_db: services.Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in {"DB_URL": fresh_db.db_url, "SECRET_KEY": TEST_SECRET, "APP_DEBUG": "true", "DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    assert cli(["initdb"]) == 0
    asyncio.run(check_database(fresh_db.db_url, 5, MARKER))  # raises when it cannot


def test_an_unreachable_server_is_waited_for_then_reported_as_not_fatal() -> None:
    heard: list[str] = []
    began = time.monotonic()
    problem = database_problem(f"postgres://postgres:pw@127.0.0.1:{free_port()}/x", 1, 1.5, MARKER, heard.append)
    waited = time.monotonic() - began
    assert problem is not None and not problem.fatal
    assert str(problem).startswith("cannot reach the database at 127.0.0.1:")
    assert "pw" not in str(problem), "the password never reaches the message"
    assert len(heard) == 1 and 1.5 <= waited < 15


def test_refused_credentials_are_fatal_and_never_echo_the_password(backend: services.Backend) -> None:
    if backend.name == "sqlite":
        pytest.skip("a SQLite file has no credentials")
    scheme, rest = backend.db_url.split("://", 1)
    wrong = f"{scheme}://trellis_nobody:not-the-password@{rest.split('@', 1)[1]}"
    problem = _problem(wrong)
    assert problem.fatal and "refused DB_URL's credentials" in str(problem)
    assert "not-the-password" not in str(problem)


def test_a_sqlite_file_that_cannot_be_opened_is_not_waited_for(tmp_path: Path) -> None:
    problem = database_problem(f"sqlite://{tmp_path}/no/such/dir/db.sqlite3", 1, 30, MARKER)
    assert problem is not None and problem.fatal and "its directory does not exist" in str(problem)


def test_an_unusable_url_is_fatal_at_once() -> None:
    problem = database_problem("oracle://u@127.0.0.1/x", 1, 30, MARKER)
    assert problem is not None and problem.fatal and "DB_URL is not usable" in str(problem)


@pytest.mark.multiprocess
def test_the_launcher_stops_with_one_line_instead_of_a_crash_loop(backend: services.Backend, tmp_path: Path) -> None:
    if backend.name == "sqlite":
        pytest.skip("the launcher's own SQLite file is created and migrated at start-up")
    missing = backend.db_url.rsplit("/", 1)[0] + f"/trellis_missing_{uuid.uuid4().hex[:8]}"
    env = server_env(tmp_path, free_port(), DB_URL=missing)
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)
    assert result.returncode == 2
    assert b"does not exist" in result.stderr and b"Traceback" not in result.stderr + result.stdout
    assert time.monotonic() - began < 30, "it stops at once, not after granian's respawns"
