"""Cache coherence across processes: a role change made through one server is seen by the
other on its very next request (two granian processes, one PostgreSQL database, one Redis).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from tests import services
from tests.conftest import reset_database

pytestmark = pytest.mark.multiprocess

MANAGE = "/api/v1/system-manage"
ROOT = Path(__file__).resolve().parents[4]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(settings: Settings, tmp_path: Path, boot_id: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DB_", "REDIS_", "APP_", "PYTEST"))}
    env.update(
        DB_URL=str(settings.DB_URL),
        REDIS_URL=str(settings.REDIS_URL),
        SECRET_KEY=str(settings.SECRET_KEY),
        APP_DEBUG="true",
        LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
        GUARD_ENABLED="false",
        RADAR_ENABLED="false",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        DATA_DIR=str(tmp_path / "data"),
        TRELLIS_BOOT_ID=boot_id,  # two replicas of one deployment: init runs once
    )
    return env


@contextmanager
def granian(env: dict[str, str], port: int) -> Iterator[httpx.Client]:
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "app:create_app",
    ]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not start in 60 s")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Remote:
    def __init__(self, client: httpx.Client, token: str = "") -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        url = path if path.startswith("/api/") else MANAGE + path
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body: dict[str, Any] = self.client.request(method, url, json=json, headers=headers).json()
        return body

    def ok(self, method: str, path: str, json: Any = None) -> Any:
        body = self.call(method, path, json)
        assert body["code"] == "0000", (path, body)
        return body["data"]

    def login(self, user: str, password: str) -> Remote:
        token = Remote(self.client).ok("POST", "/api/v1/auth/login", {"userName": user, "password": password})["token"]
        return Remote(self.client, token)


async def two_server_env(
    backend: services.Backend, settings: Settings, app_factory: Callable[..., FastAPI], tmp_path: Path
) -> dict[str, str]:
    """The environment of two replicas of one deployment on an emptied PostgreSQL database."""
    if backend.name != "postgres":
        pytest.skip("the two-server scenario runs against PostgreSQL")
    await reset_database(app_factory(), backend.name)
    return server_env(settings, tmp_path, uuid.uuid4().hex)


def api_id(admin: Remote, method: str, path: str) -> str:
    page = admin.ok("POST", "/apis/search", {"apiPath": MANAGE + path, "apiMethod": method, "size": 100})
    return str(next(row["id"] for row in page["records"] if row["apiPath"] == MANAGE + path))


async def test_a_change_through_one_server_is_seen_by_the_other(
    backend: services.Backend, settings: Settings, app_factory: Callable[..., FastAPI], tmp_path: Path
) -> None:
    env = await two_server_env(backend, settings, app_factory, tmp_path)
    with granian(env, free_port()) as one, granian(env, free_port()) as two:
        admin = Remote(one).login("Soybean", "123456")
        home = next(m["id"] for m in admin.ok("POST", "/menus/search", {})["records"] if m["routeName"] == "home")
        rid = admin.ok("POST", "/roles", {"roleName": "跨进程", "roleCode": "R_X", "byRoleHomeId": home})["createdId"]
        admin.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": [api_id(admin, "post", "/users/search")]})
        admin.ok("POST", "/users", {"userName": "bob", "password": "bob-pw-1", "byUserRoleCodeList": ["R_X"]})

        bob = Remote(two).login("bob", "bob-pw-1")
        assert bob.call("POST", "/users/search", {})["code"] == "0000"
        assert bob.call("POST", "/roles/search", {})["code"] == "2201"

        admin.ok("PATCH", f"/roles/{rid}/apis", {"byRoleApiIds": [api_id(admin, "post", "/roles/search")]})
        assert bob.call("POST", "/users/search", {})["code"] == "2201"
        assert bob.call("POST", "/roles/search", {})["code"] == "0000"

        admin.ok("PATCH", f"/roles/{rid}", {"statusType": "2"})
        assert bob.call("POST", "/roles/search", {})["code"] == "2207"
        admin.ok("PATCH", f"/roles/{rid}", {"statusType": "1"})
        assert bob.call("POST", "/roles/search", {})["code"] == "0000"

        bob_id = admin.ok("POST", "/users/search", {"userName": "bob"})["records"][0]["id"]
        admin.ok("POST", f"/users/{bob_id}/offline")
        assert bob.call("POST", "/roles/search", {})["code"] == "2106"


async def test_a_write_through_one_server_empties_the_others_page_cache(
    backend: services.Backend, settings: Settings, app_factory: Callable[..., FastAPI], tmp_path: Path
) -> None:
    env = await two_server_env(backend, settings, app_factory, tmp_path)
    page = {"userName": "cached", "size": 10}
    with granian(env, free_port()) as one, granian(env, free_port()) as two:
        writer, reader = Remote(one).login("Soybean", "123456"), Remote(two).login("Soybean", "123456")

        def listed() -> list[str]:
            return [row["nickName"] for row in reader.ok("POST", "/users/search", page)["records"]]

        assert listed() == [] and listed() == []  # the second answer comes from the reader's page cache
        created = writer.ok("POST", "/users", {"userName": "cached-1", "password": "pw-123456", "byUserRoleCodeList": ["R_USER"]})
        assert listed() == ["cached-1"]
        writer.ok("PATCH", f"/users/{created['createdId']}", {"nickName": "renamed", "byUserRoleCodeList": ["R_USER"]})
        assert listed() == ["renamed"]
        writer.ok("DELETE", f"/users/{created['createdId']}")
        assert listed() == []
