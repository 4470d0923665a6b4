"""No password, password hash, token or SECRET_KEY in any response, log line or Radar row.

A real server (Radar on, DEBUG logging) goes through the secret-bearing flows —
logins (good and bad), refresh, password change, user creation and update
with passwords, a token in a query string, an error path — and then every
response body, the captured server output and every column of every Radar
table are scanned for the secrets used.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.reliability.conftest import MANAGE, Api, PgDatabase, RedisServer, TrellisServer, report, user_id

pytestmark = [pytest.mark.multiprocess, pytest.mark.xdist_group("reliability-processes")]

PASSWORDS = ["123456", "Secret-Pass-One1", "Secret-Pass-Two2", "Wrong-Guess-777"]


def test_no_secret_leaks_into_responses_logs_or_radar(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer], tmp_path: Path
) -> None:
    radar_db = tmp_path / "radar.sqlite3"
    server = start_server(
        db_url=pg_database.url, redis_url=redis_server.url, workers=1, RADAR_ENABLED="true", RADAR_DB_URL=f"sqlite://{radar_db}",
        LOG_LEVEL="DEBUG", APP_DEBUG="true",
    )  # fmt: skip
    responses: list[str] = []
    issuing: list[str] = []  # login/refresh answers: they carry their own tokens by design

    def keep(response: httpx.Response, issues_tokens: bool = False) -> dict:
        text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        (issuing if issues_tokens else responses).append(text)
        return response.json()

    http = httpx.Client(base_url=server.base, timeout=15)
    login = keep(http.post("/api/v1/auth/login", json={"userName": "Soybean", "password": "123456"}), issues_tokens=True)
    access, refresh = login["data"]["token"], login["data"]["refreshToken"]
    auth = {"Authorization": f"Bearer {access}"}
    keep(http.post("/api/v1/auth/login", json={"userName": "Soybean", "password": "Wrong-Guess-777"}))
    keep(http.post("/api/v1/auth/login", json={"userName": "ghost", "password": "Wrong-Guess-777"}))
    renewed = keep(http.post("/api/v1/auth/refresh-token", json={"refreshToken": refresh}), issues_tokens=True)["data"]
    keep(
        http.post(
            f"{MANAGE}/users", json={"userName": "leaky", "password": "Secret-Pass-One1", "byUserRoleCodeList": ["R_USER"]}, headers=auth
        )
    )
    root = Api(server.base, access)
    leaky = user_id(root, "leaky")
    keep(http.patch(f"{MANAGE}/users/{leaky}", json={"password": "Secret-Pass-Two2", "byUserRoleCodeList": ["R_USER"]}, headers=auth))
    keep(http.post(f"{MANAGE}/users/search", json={}, headers=auth))
    keep(http.get(f"{MANAGE}/users/{leaky}", headers=auth))
    keep(http.get("/api/v1/auth/user-info", headers=auth))
    keep(http.get(f"/api/v1/auth/user-info?token={access}", headers={"Authorization": f"Bearer {access}x"}))  # bad token, token in URL
    leaky_token = keep(http.post("/api/v1/auth/login", json={"userName": "leaky", "password": "Secret-Pass-Two2"}), issues_tokens=True)[
        "data"
    ]["token"]
    keep(http.patch("/api/v1/auth/password", json={"oldPassword": "Secret-Pass-Two2", "newPassword": "Secret-Pass-One1"},
                    headers={"Authorization": f"Bearer {leaky_token}"}))  # fmt: skip
    keep(
        http.post(
            f"{MANAGE}/users", content=b'{"password": "Secret-Pass-One1", broken', headers={**auth, "Content-Type": "application/json"}
        )
    )
    time.sleep(1.5)  # Radar's writer drains its queue
    for path in ("/__radar/api/requests", "/__radar/api/queries", "/__radar/api/exceptions", "/__radar/api/dashboard"):
        keep(http.get(path, headers=auth))
    http.close()
    hashes = pg_database.query("SELECT password FROM users").split()
    assert hashes and all(h.startswith("$argon2") for h in hashes)
    server.stop()

    secrets = {TEST_SECRET: "SECRET_KEY", access: "access token", refresh: "refresh token", leaky_token: "access token"}
    secrets |= {renewed["token"]: "access token", renewed["refreshToken"]: "refresh token"}
    secrets |= {p: "password" for p in PASSWORDS if p != "123456"} | {h: "password hash" for h in hashes}
    secrets |= {t.split(".")[2]: "token signature" for t in (access, refresh, leaky_token)}
    radar_rows = _radar_text(radar_db)
    found = {
        where: sorted({label for secret, label in secrets.items() if secret in text} | ({"password hash"} if "$argon2" in text else set()))
        for where, text in {"responses": "\n".join(responses), "log": server.log_text(), "radar": radar_rows}.items()
    }
    report("secret scan", responses=len(responses), log_lines=server.log_text().count("\n"), radar_chars=len(radar_rows), found=found)
    assert len(radar_rows) > 1000, "Radar recorded nothing: the scan would prove nothing"
    assert "leaky" in radar_rows and "/api/v1/auth/login" in radar_rows
    assert found == {"responses": [], "log": [], "radar": []}
    issued = "\n".join(issuing)  # token-issuing answers hold tokens, never a hash, a password or the key
    assert not any(s in issued for s, label in secrets.items() if "token" not in label) and "$argon2" not in issued
    # "123456" is too short to scan for blindly; its JSON field must be redacted everywhere though.
    assert '"password": "123456"' not in radar_rows.replace('":"', '": "') and '"password":"123456"' not in server.log_text()


def _radar_text(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        chunks = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                chunks.append(" | ".join(str(value) for value in row))
        return "\n".join(chunks)
    finally:
        conn.close()
