"""Radar's store keeps its own tables: no migrations are made, applied or asked for."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.migrate import migrate_embedded, with_migrations


def test_radar_is_left_out_of_migrations(radar_app: FastAPI) -> None:
    config = radar_app.state.tortoise_config
    assert "app_radar" in config["apps"], "the ORM still knows Radar's models"
    migrated = with_migrations(config)["apps"]
    assert "app_radar" not in migrated
    assert "app_system" in migrated


async def test_start_up_does_not_ask_for_radar_migrations(radar_app: FastAPI, log_lines: list[str]) -> None:
    config = radar_app.state.tortoise_config
    radar_only = {**config, "apps": {"app_radar": config["apps"]["app_radar"]}}  # the system's tables are the test's
    await migrate_embedded(radar_only)
    assert not [line for line in log_lines if "no migrations for" in line]
