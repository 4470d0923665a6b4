"""The README's "Add a business module" steps, verbatim, in a copy of the project.

init → write models.py → crud --yes (with options) → makemigrations → migrate
→ start the real server → drive the generated routes over HTTP: the six
standard routes, the tree route, soft delete, button permissions and data
scope. The generated code must also pass ruff and mypy.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_sync

from tests import services
from tests.cli.conftest import TEST_SECRET
from tests.cli.test_gen import OPTIONS, SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.multiprocess]

SOURCE = Path(__file__).resolve().parents[2]
#: What the generated code imports from the facade; the test waits for all of them.
FACADE = [
    "AuditMixin",
    "BaseModel",
    "BusinessModule",
    "CRUDBase",
    "CRUDRouter",
    "CommonIds",
    "Int32",
    "NotFoundError",
    "PageQueryBase",
    "PermissionSpec",
    "SchemaBase",
    "SoftDeleteMixin",
    "SqidId",
    "SqidPath",
    "Success",
    "TreeMixin",
    "current_scope_filter",
    "encode_id",
    "get_current_user_id",
    "make_optional",
    "require_buttons",
]
COPIED = ("app", "migrations", "pyproject.toml", ".importlinter")
BIZ = "/api/v1/business/shop"


def copy_project(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        src = SOURCE / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, target / name)
    for module in (target / "app" / "business").iterdir():
        if module.is_dir() and not module.name.startswith("_"):
            shutil.rmtree(module)  # only the module this test generates


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def project(tmp_path: Path, backend: services.Backend, cli_db: services.Backend) -> tuple[Path, dict[str, str]]:
    import app.utils

    missing = [name for name in FACADE if not hasattr(app.utils, name)]
    if missing:
        pytest.fail(f"app.utils does not export {', '.join(missing)}: generated code cannot import it")
    services.require_service("Redis", services.REDIS_HOST, services.REDIS_PORT)
    db = services.redis_db_for(backend.name)
    redis_sync.Redis(host=services.REDIS_HOST, port=services.REDIS_PORT, db=db).flushdb()
    root = tmp_path / "project"
    root.mkdir()
    copy_project(root)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "APP_", "REDIS_", "PYTEST", "DATA_DIR", "SECRET_KEY", "BUSINESS_"))
    }
    env.update(
        {
            "PYTHONPATH": str(root),
            "SECRET_KEY": TEST_SECRET,
            "APP_DEBUG": "true",
            "DATA_DIR": str(root / "data"),
            "REDIS_URL": f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{db}",
            "LOG_TO_FILE": "false",
            "LOG_LEVEL": "WARNING",
            "GUARD_ENABLED": "false",
            "RADAR_ENABLED": "false",
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "1024",
            "WORKERS": "1",
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
        }
    )
    if backend.name != "sqlite":  # SQLite runs the README's embedded default (no DB_URL)
        env["DB_URL"] = cli_db.db_url
    return root, env


def sh(root: Path, env: dict[str, str], *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def cli(root: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return sh(root, env, sys.executable, "-m", "app.cli", *argv)


@pytest.fixture
def server(project: tuple[Path, dict[str, str]]) -> Iterator[tuple[Path, httpx.Client]]:
    root, env = project
    # The README's steps, verbatim.
    cli(root, env, "init", "shop")
    (root / "app" / "business" / "shop" / "models.py").write_text(SAMPLE, encoding="utf-8")
    cli(root, env, "crud", "shop", *OPTIONS)
    cli(root, env, "makemigrations")
    cli(root, env, "migrate")
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        _wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=10) as client:
            yield root, client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_ready(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"server exited with {proc.returncode}:\n{output[-4000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("server did not become ready in 60 s")


def call(client: httpx.Client, method: str, path: str, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(body: dict[str, Any]) -> Any:
    assert body["code"] == "0000", body
    return body["data"]


def login(client: httpx.Client, user: str, password: str) -> str:
    token: str = ok(call(client, "POST", "/api/v1/auth/login", json={"userName": user, "password": password}))["token"]
    return token


def check_gate(root: Path) -> None:
    """ruff (lint + format) and mypy accept the generated module."""
    module = "app/business/shop"
    bin_dir = Path(sys.executable).parent
    sh(root, dict(os.environ), str(bin_dir / "ruff"), "check", module)
    sh(root, dict(os.environ), str(bin_dir / "ruff"), "format", "--check", module)
    sh(root, dict(os.environ), str(bin_dir / "mypy"), "--follow-imports=silent", module)


def test_readme_steps_produce_a_working_module(server: tuple[Path, httpx.Client]) -> None:
    root, client = server
    check_gate(root)
    admin = login(client, "Soybean", "123456")

    # tree route on the TreeMixin model
    root_id = ok(call(client, "POST", f"{BIZ}/categories", admin, json={"name": "Root", "code": "root"}))["createdId"]
    child_id = ok(call(client, "POST", f"{BIZ}/categories", admin, json={"name": "Child", "code": "child", "parentId": root_id}))[
        "createdId"
    ]
    tree = ok(call(client, "GET", f"{BIZ}/categories/tree", admin))
    assert [node["id"] for node in tree] == [root_id]
    assert [node["id"] for node in tree[0]["children"]] == [child_id]

    # the six standard routes, with a decimal, an enum, a date and a foreign key
    product = {"name": "Widget", "price": 9.5, "status": "active", "releasedOn": "2026-01-02", "stock": 3, "categoryId": root_id}
    p1 = ok(call(client, "POST", f"{BIZ}/products", admin, json=product))["createdId"]
    page = ok(call(client, "POST", f"{BIZ}/products/search", admin, json={"current": 1, "size": 10, "name": "Wid", "status": "active"}))
    assert page["total"] == 1
    record = page["records"][0]
    assert (record["id"], record["price"], record["status"], record["releasedOn"], record["categoryId"]) == (
        p1,
        9.5,
        "active",
        "2026-01-02",
        root_id,
    )
    assert ok(call(client, "PATCH", f"{BIZ}/products/{p1}", admin, json={"stock": 5}))["updatedId"] == p1
    assert ok(call(client, "GET", f"{BIZ}/products/{p1}", admin))["stock"] == 5
    assert call(client, "POST", f"{BIZ}/products", admin, json={**product, "status": "bogus"})["code"] == "1200"
    assert call(client, "POST", f"{BIZ}/products", admin, json={**product, "name": "x" * 101})["code"] == "1200"

    # data scope and buttons: staff (scope self, no delete button) sees only its own rows
    ok(
        call(
            client,
            "POST",
            "/api/v1/system-manage/users",
            admin,
            json={"userName": "staff1", "password": "Staff-pass-1", "byUserRoleCodeList": ["R_SHOP_STAFF"]},
        )
    )
    staff = login(client, "staff1", "Staff-pass-1")
    assert ok(call(client, "POST", f"{BIZ}/products/search", staff, json={}))["total"] == 0
    p2 = ok(call(client, "POST", f"{BIZ}/products", staff, json={**product, "name": "Gadget"}))["createdId"]
    mine = ok(call(client, "POST", f"{BIZ}/products/search", staff, json={}))
    assert [r["id"] for r in mine["records"]] == [p2]
    assert call(client, "GET", f"{BIZ}/products/{p1}", staff)["code"] == "1101"
    assert call(client, "PATCH", f"{BIZ}/products/{p1}", staff, json={"stock": 0})["code"] == "1101"
    assert call(client, "DELETE", f"{BIZ}/products/{p2}", staff)["code"] == "2203"
    assert ok(call(client, "POST", f"{BIZ}/products/search", admin, json={}))["total"] == 2

    # soft delete: gone from lists and reads; batch delete
    assert ok(call(client, "DELETE", f"{BIZ}/products/{p2}", admin))["deletedId"] == p2
    assert call(client, "GET", f"{BIZ}/products/{p2}", admin)["code"] == "1101"
    assert ok(call(client, "DELETE", f"{BIZ}/products", admin, json={"ids": [p1, p2]}))["deletedCount"] == 1
    assert ok(call(client, "POST", f"{BIZ}/products/search", admin, json={}))["total"] == 0
