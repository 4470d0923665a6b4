"""initdb, migrate, history and makemigrations against real databases (all three backends)."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.context import TortoiseContext

from tests import services
from tests.cli.conftest import Run


async def _tables(db_url: str) -> set[str]:
    async with TortoiseContext() as ctx:
        await ctx.init(
            config={"connections": {"c": db_url}, "apps": {"probe": {"models": ["app.core.migrate"], "default_connection": "c"}}}
        )
        conn = ctx.connections.get("c")
        from app.cli.commands._db import list_tables

        return set(await list_tables(conn))


def tables(db: services.Backend) -> set[str]:
    return asyncio.run(_tables(db.db_url))


def test_initdb_creates_tables_on_a_fresh_database_and_refuses_a_second_time(run_cli: Run, cli_env: services.Backend) -> None:
    code, out, _ = run_cli("initdb")
    assert code == 0, out
    assert {"users", "roles", "menus", "apis", "buttons", "tortoise_migrations"} <= tables(cli_env)
    assert "seeds are written when the app starts" in out

    code, _, err = run_cli("initdb")
    assert code == 1
    assert "already has" in err and err.count("\n") == 1


def test_initdb_force_needs_confirmation_and_resets_with_yes(run_cli: Run, cli_env: services.Backend) -> None:
    assert run_cli("initdb")[0] == 0
    code, _, err = run_cli("initdb", "--force")  # stdin is not a terminal: the answer is no
    assert code == 1 and "aborted" in err
    assert "users" in tables(cli_env)

    code, out, _ = run_cli("initdb", "--force", "--yes")
    assert code == 0
    assert "applying app_system.0001_initial" in out
    assert "users" in tables(cli_env)


def test_migrate_and_history_report_applied_migrations(run_cli: Run, cli_env: services.Backend) -> None:
    code, out, _ = run_cli("history")
    assert code == 0 and "[ ] app_system.0001_initial" in out
    code, out, _ = run_cli("migrate")
    assert code == 0 and "applying app_system.0001_initial" in out
    assert "applying app_system.0002_user_role_by_role" in out
    code, out, _ = run_cli("migrate")
    assert code == 0 and "No migrations to apply" in out
    code, out, _ = run_cli("history")
    assert "[X] app_system.0001_initial" in out


@pytest.mark.parametrize(
    ("url", "debug", "reason"),
    [
        ("postgres://postgres@db.example.com:5432/prod", "true", "is not local"),
        ("postgres://postgres@127.0.0.1:5432/trellis", "false", "APP_DEBUG is false"),
    ],
)
def test_initdb_refuses_a_database_that_looks_like_production(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: object, url: str, debug: str, reason: str
) -> None:
    monkeypatch.setenv("DB_URL", url)
    monkeypatch.setenv("APP_DEBUG", debug)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LOG_TO_FILE", "false")
    monkeypatch.setenv("RADAR_ENABLED", "false")
    code, _, err = run_cli("initdb", "--force")
    assert code == 1
    assert "production" in err and reason in err


def test_committed_migrations_match_the_models(run_cli: Run, cli_env: services.Backend) -> None:
    """A model change without `makemigrations` fails here (and `make run` would miss the table)."""
    code, out, _ = run_cli("makemigrations", "--check")
    assert code == 0, f"models changed without a migration; run `python -m app.cli makemigrations`:\n{out}"


def test_module_list_and_init_plan_run_offline(run_cli: Run, cli_env: services.Backend) -> None:
    """Both build the app without starting it; with no drift `init-plan --strict` succeeds."""
    code, out, _ = run_cli("module-list", "--routes")
    assert code == 0 and out.strip()
    code, out, _ = run_cli("init-plan", "--strict")
    assert code == 0, out
    assert out.rstrip().endswith("no drift")
