"""Settings fail closed, and the embedded default keeps one generated secret beside the data."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from app.core.config import MIN_SECRET_LENGTH, SECRET_FILE_NAME, ConfigError, Settings, load_settings, prepare_settings

LONG_SECRET = "s" * MIN_SECRET_LENGTH


def make(tmp_path: Path, **values: Any) -> Settings:
    values.setdefault("DATA_DIR", tmp_path / "data")
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_short_secret_is_refused_outside_debug(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        prepare_settings(make(tmp_path, SECRET_KEY="short", APP_DEBUG=False))
    assert prepare_settings(make(tmp_path, SECRET_KEY="short", APP_DEBUG=True)).secret == "short"
    assert prepare_settings(make(tmp_path, SECRET_KEY=LONG_SECRET)).secret == LONG_SECRET


def test_wildcard_cors_with_credentials_is_refused_outside_debug(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        prepare_settings(make(tmp_path, SECRET_KEY=LONG_SECRET, CORS_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=True))
    prepare_settings(make(tmp_path, SECRET_KEY=LONG_SECRET, CORS_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=False))
    prepare_settings(make(tmp_path, SECRET_KEY=LONG_SECRET, CORS_ORIGINS=["*"], APP_DEBUG=True))


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        prepare_settings(make(tmp_path, SECRET_KEY="short", CORS_ORIGINS=["*"]))
    assert "SECRET_KEY" in str(info.value) and "CORS_ORIGINS" in str(info.value)


def test_server_database_without_secret_is_refused_with_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        prepare_settings(make(tmp_path, DB_URL="postgres://u@db:5432/x"))
    assert "SECRET_KEY" in str(info.value)
    assert not (tmp_path / "data").exists(), "no secret file is made for a server database"


def test_embedded_default_generates_a_secret_beside_the_data_once(tmp_path: Path) -> None:
    first = prepare_settings(make(tmp_path))
    path = tmp_path / "data" / SECRET_FILE_NAME
    assert path.read_text() == first.secret
    assert len(first.secret) >= MIN_SECRET_LENGTH
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = prepare_settings(make(tmp_path))
    assert second.secret == first.secret
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [SECRET_FILE_NAME]


def test_an_explicit_secret_writes_no_file(tmp_path: Path) -> None:
    prepare_settings(make(tmp_path, SECRET_KEY=LONG_SECRET))
    assert not (tmp_path / "data").exists()


def test_a_tampered_short_secret_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / SECRET_FILE_NAME).write_text("tiny")
    with pytest.raises(ConfigError, match=SECRET_FILE_NAME):
        prepare_settings(make(tmp_path))


def test_environment_comma_lists_and_json_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", " http://a.example , http://b.example,")
    monkeypatch.setenv("TRUSTED_HOSTS", '["10.0.0.1", "10.0.0.2"]')
    monkeypatch.setenv("BUSINESS_MODULES_DISABLED", "inventory")
    monkeypatch.setenv("PORT", "8000")
    settings = make(tmp_path)
    assert settings.CORS_ORIGINS == ["http://a.example", "http://b.example"]
    assert settings.TRUSTED_HOSTS == ["10.0.0.1", "10.0.0.2"]
    assert settings.BUSINESS_MODULES_DISABLED == ["inventory"]
    assert settings.BUSINESS_MODULES_ENABLED == []
    assert settings.PORT == 8000


def test_derived_urls_follow_the_data_dir(tmp_path: Path) -> None:
    settings = make(tmp_path)
    assert settings.embedded_db and settings.embedded_redis
    assert settings.db_url == f"sqlite://{(tmp_path / 'data' / 'trellis.sqlite3').as_posix()}"
    server = make(tmp_path, DB_URL="mysql://root@h/x", REDIS_URL="redis://h/0")
    assert not server.embedded_db and not server.embedded_redis
    assert server.db_url == "mysql://root@h/x"


def test_secret_property_refuses_before_preparation(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        _ = make(tmp_path).secret


def test_a_malformed_setting_is_refused_by_name_without_echoing_its_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("GUARD_LEASE_PARTS", "-1")
    monkeypatch.setenv("PORT", "s3cr3t-looking-value")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert "GUARD_LEASE_PARTS: Input should be greater than or equal to 0" in message
    assert "PORT: " in message and "s3cr3t-looking-value" not in message
