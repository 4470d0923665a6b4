"""One typed settings object, read from the environment and ``.env``.

Settings fail closed: outside debug an unsafe secret, a wildcard CORS origin
with credentials, or several workers on the embedded store refuse to start
with a message that says what to set.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
SECRET_FILE_NAME = "secret_key"


class ConfigError(RuntimeError):
    """Start-up refused because of the configuration; the message says what to set."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import orjson

            return orjson.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True)

    APP_TITLE: str = "Trellis"
    APP_DEBUG: bool = False
    HOST: str = "127.0.0.1"
    PORT: int = Field(default=9999, ge=1, le=65535)
    WORKERS: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)), ge=1, le=64)
    WORKER_MAX_RSS_MB: int = Field(default=1024, ge=0)
    WORKER_LIFETIME_SECONDS: int = Field(default=0, ge=0)
    SHUTDOWN_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0)

    DATA_DIR: Path = Path("data")
    DB_URL: str | None = None
    DB_CONNECT_TIMEOUT: float = Field(default=5.0, gt=0)
    #: How long ``python -m app`` waits for an unreachable database server before it gives up (exit 1).
    DB_WAIT_SECONDS: float = Field(default=30.0, ge=0)
    REDIS_URL: str | None = None
    REDIS_SOCKET_TIMEOUT: float = Field(default=2.0, gt=0)
    GUARD_KEY_PREFIX: str = ""
    #: FastAPI's native OpenTelemetry (tracing, metrics, logs through the globally configured providers).
    TELEMETRY_ENABLED: bool = False
    #: List pages kept per worker, valid until the next write anywhere (0: no page cache; see docs/caching.md).
    PAGE_CACHE_ENTRIES: int = Field(default=256, ge=0)
    #: Upper bound on a page's age: how long a write made outside Trellis can stay unseen.
    PAGE_CACHE_MAX_AGE_SECONDS: float = Field(default=60.0, gt=0)
    #: First-generation GC threshold of a started process; start-up objects are frozen too (0: Python's defaults; app/core/gc_tuning.py).
    GC_GEN0_THRESHOLD: int = Field(default=20_000, ge=0)
    TIMEZONE: str = "UTC"

    SECRET_KEY: str | None = None
    JWT_ALGORITHM: str = "HS256"
    JWT_ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=720, gt=0)
    JWT_REFRESH_TOKEN_EXPIRE_MINUTES: int = Field(default=10080, gt=0)
    ARGON2_TIME_COST: int = Field(default=2, ge=1)
    ARGON2_MEMORY_COST: int = Field(default=19456, ge=8)
    ARGON2_PARALLELISM: int = Field(default=1, ge=1)
    PASSWORD_HASH_THREADS: int = Field(default=1, ge=1, le=64)
    CAPTCHA_TTL_SECONDS: int = Field(default=300, gt=0)
    DATETIME_FORMAT: str = "%Y-%m-%d %H:%M:%S"

    CORS_ORIGINS: CommaList = ["http://localhost:9527", "http://127.0.0.1:9527"]
    CORS_ALLOW_CREDENTIALS: bool = True
    MAX_BODY_BYTES: int = Field(default=2 * 1024 * 1024, gt=0)

    LOG_DIR: Path = Path("logs")
    LOG_LEVEL: str = "INFO"
    LOG_INFO_RETENTION: str = "30 days"
    LOG_ERROR_RETENTION: str = "90 days"
    LOG_TO_FILE: bool = True

    RADAR_ENABLED: bool = True
    RADAR_DB_URL: str | None = None
    RADAR_RETENTION_HOURS: int = Field(default=24, ge=1)
    RADAR_MAX_ROWS: int = Field(default=100_000, ge=100)
    RADAR_MAX_BODY_SIZE: int = Field(default=65536, ge=0)
    RADAR_SLOW_QUERY_MS: float = Field(default=100.0, ge=0)
    RADAR_CAPTURE_RESPONSE_BODY: bool = True
    RADAR_QUEUE_SIZE: int = Field(default=10_000, ge=1)
    #: Under ``python -m app``, one process writes Radar's store for every worker (app/system/radar/sink.py).
    RADAR_STORE_PROCESS: bool = True

    GUARD_ENABLED: bool = True
    GUARD_RATE_LIMIT: int = Field(default=100, ge=1)
    GUARD_RATE_LIMIT_WINDOW: int = Field(default=60, ge=1)
    GUARD_AUTO_BAN_THRESHOLD: int = Field(default=10, ge=1)
    GUARD_AUTO_BAN_DURATION: int = Field(default=21600, ge=1)
    GUARD_LOGIN_RATE_LIMIT: int = Field(default=5, ge=1)
    GUARD_AUTH_RATE_LIMIT: int = Field(default=10, ge=1)
    GUARD_AUTH_RATE_LIMIT_WINDOW: int = Field(default=60, ge=1)
    #: A worker takes GUARD_RATE_LIMIT // this of a client's window at once (app/core/guard.py); 0 counts every request in Redis.
    GUARD_LEASE_PARTS: int = Field(default=20, ge=0)
    PROXY_HEADERS_ENABLED: bool = False
    TRUSTED_HOSTS: CommaList = ["127.0.0.1"]

    INIT_LOCK_TTL_SECONDS: int = Field(default=120, ge=5)
    INIT_WAIT_SECONDS: float = Field(default=150.0, gt=0)
    INIT_FAIL_ON_BUSINESS_ERROR: bool = False

    BUSINESS_MODULES_DISABLED: CommaList = []
    BUSINESS_MODULES_ENABLED: CommaList = []
    #: Package scanned for business modules (tests point it at a fixture package).
    BUSINESS_PACKAGE: str = "app.business"
    OUTBOX_DISPATCH_INTERVAL_SECONDS: float = Field(default=10.0, gt=0)

    @field_validator("CORS_ORIGINS", "TRUSTED_HOSTS", "BUSINESS_MODULES_DISABLED", "BUSINESS_MODULES_ENABLED", mode="before")
    @classmethod
    def _comma_lists(cls, value: Any) -> Any:
        return _split_list(value)

    # ---- derived values -------------------------------------------------
    @property
    def embedded_db(self) -> bool:
        """True when no DB_URL is set: Trellis uses a SQLite file under DATA_DIR."""
        return not self.DB_URL

    @property
    def embedded_redis(self) -> bool:
        """True when no REDIS_URL is set: Trellis starts a private Valkey server."""
        return not self.REDIS_URL

    @property
    def db_url(self) -> str:
        return self.DB_URL or f"sqlite://{(self.DATA_DIR / 'trellis.sqlite3').as_posix()}"

    @property
    def radar_db_url(self) -> str:
        return self.RADAR_DB_URL or f"sqlite://{(self.DATA_DIR / 'radar.sqlite3').as_posix()}"

    @property
    def secret(self) -> str:
        """The resolved secret; ``prepare_settings`` must have run."""
        if not self.SECRET_KEY:
            raise ConfigError("SECRET_KEY is not resolved; call prepare_settings() first")
        return self.SECRET_KEY


def _read_or_create_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        value = path.read_text().strip()
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(f"{path} holds a secret shorter than {MIN_SECRET_LENGTH} characters; delete it or set SECRET_KEY")
        return value
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    try:
        os.link(tmp, path)  # first writer wins when workers race
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def validate_settings(settings: Settings) -> None:
    """Refuse unsafe combinations outside debug (see module docstring)."""
    problems: list[str] = []
    if settings.SECRET_KEY is not None and len(settings.SECRET_KEY) < MIN_SECRET_LENGTH and not settings.APP_DEBUG:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters; set a long random value")
    if "*" in settings.CORS_ORIGINS and settings.CORS_ALLOW_CREDENTIALS and not settings.APP_DEBUG:
        problems.append("CORS_ORIGINS='*' with CORS_ALLOW_CREDENTIALS=true is unsafe; list the frontend origins")
    if problems:
        raise ConfigError("; ".join(problems))


def prepare_settings(settings: Settings) -> Settings:
    """Resolve the secret (generating one beside the embedded data) and validate.

    With a server database and no SECRET_KEY this refuses: tokens and sqids of
    several replicas must agree, so the secret has to be configured.
    """
    if not settings.SECRET_KEY:
        if not settings.embedded_db:
            raise ConfigError(
                "SECRET_KEY is required when DB_URL points to a database server: set SECRET_KEY to a random "
                "string of at least 32 characters (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        settings.SECRET_KEY = _read_or_create_secret(settings.DATA_DIR)
    validate_settings(settings)
    return settings


def load_settings() -> Settings:
    """Settings from the environment and ``.env``; a value of the wrong type or range refuses start-up by name.

    The message names each setting and what it must be, never the value (it may be a secret).
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (built on first use, never at import)."""
    return prepare_settings(load_settings())
