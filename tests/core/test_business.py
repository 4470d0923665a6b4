"""Wiring discovered modules into the real app: mounts, auth, init, rate limits, next start."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app import create_app
from app.core.business import ModuleConfigError
from app.core.config import Settings
from app.core.events import emit
from tests import services
from tests.conftest import reset_database
from tests.core import business_probe
from tests.core.business_probe import init_source
from tests.core.conftest import Writer
from tests.core.test_autodiscover import manifest

ROUTERS = """
from fastapi import APIRouter
from app.core.responses import Success
from app.utils import BusinessModule, BusinessRouter

open_router, login_router, guarded = APIRouter(), APIRouter(), APIRouter()

@open_router.get("/hello", name="gates.hello.get")
async def hello() -> Success:
    return Success(data={"hello": "world"})

@login_router.get("/me", name="gates.me.get")
async def me() -> dict:
    return {}

@guarded.get("/secret", name="gates.secret.get")
async def secret() -> dict:
    return {}

module = BusinessModule(
    name="gates",
    routers=(
        BusinessRouter(open_router, auth="public"),
        BusinessRouter(login_router, prefix="/self", auth="auth"),
        BusinessRouter(guarded, auth="permission"),
    ),
    rate_limits={"/api/v1/business/gates/hello": (2, 60)},
)
"""


@asynccontextmanager
async def running(settings: Settings, backend: services.Backend, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """One server start: a fresh boot id, so the leader init runs again."""
    monkeypatch.setenv("TRELLIS_BOOT_ID", uuid.uuid4().hex)
    business_probe.CALLS.clear()
    app = create_app(settings)
    await reset_database(app, backend.name)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


def app_of(client: httpx.AsyncClient) -> FastAPI:
    return client.app  # type: ignore[attr-defined,no-any-return]


async def code_of(client: httpx.AsyncClient, path: str) -> str:
    return str((await client.get(path)).json()["code"])


async def test_adding_removing_and_underscoring_modules_changes_the_next_start(
    package: Writer, settings_factory: Callable[..., Settings], backend: services.Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pkg = package(
        {
            "alpha/__init__.py": "",
            "alpha/module.py": manifest("alpha"),
            "alpha/init_data.py": init_source("alpha"),
            "beta/__init__.py": "",
            "beta/module.py": manifest("beta"),
            "beta/init_data.py": init_source("beta"),
        }
    )
    settings = settings_factory(BUSINESS_PACKAGE=pkg)
    async with running(settings, backend, monkeypatch) as client:
        assert (await client.get("/api/v1/business/alpha/ping")).json()["data"] == {"module": "alpha"}
        assert await code_of(client, "/api/v1/business/beta/ping") == "0000"
        assert business_probe.CALLS == ["alpha", "beta"]

    root = tmp_path / pkg
    (root / "beta").rename(root / "_beta")
    package({"gamma/__init__.py": "", "gamma/module.py": manifest("gamma"), "gamma/init_data.py": init_source("gamma")})
    async with running(settings, backend, monkeypatch) as client:
        assert await code_of(client, "/api/v1/business/beta/ping") == "1300"
        assert await code_of(client, "/api/v1/business/gamma/ping") == "0000"
        assert business_probe.CALLS == ["alpha", "gamma"]
        assert [spec.name for spec in app_of(client).state.business_modules] == ["alpha", "gamma"]


async def test_auth_modes_rate_limits_and_disabling(
    package: Writer, settings_factory: Callable[..., Settings], backend: services.Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = package({"gates/__init__.py": "", "gates/module.py": ROUTERS})
    async with running(settings_factory(BUSINESS_PACKAGE=pkg), backend, monkeypatch) as client:
        assert (await client.get("/api/v1/business/gates/hello")).json()["data"] == {"hello": "world"}
        assert await code_of(client, "/api/v1/business/gates/self/me") == "2100"  # login required
        assert await code_of(client, "/api/v1/business/gates/secret") == "2100"  # login + grant required
        assert app_of(client).state.endpoint_rate_limits["/api/v1/business/gates/hello"] == (2, 60)
    async with running(settings_factory(BUSINESS_PACKAGE=pkg, BUSINESS_MODULES_DISABLED=["gates"]), backend, monkeypatch) as client:
        assert await code_of(client, "/api/v1/business/gates/hello") == "1300"
        assert "/api/v1/business/gates/hello" not in app_of(client).state.endpoint_rate_limits


async def test_a_failing_init_is_recorded_and_the_other_modules_still_initialise(
    package: Writer, settings_factory: Callable[..., Settings], backend: services.Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = package(
        {
            "apple/__init__.py": "",
            "apple/init_data.py": init_source("apple", fail=True),
            "berry/__init__.py": "",
            "berry/init_data.py": init_source("berry"),
        }
    )
    async with running(settings_factory(BUSINESS_PACKAGE=pkg), backend, monkeypatch) as client:
        assert business_probe.CALLS == ["berry"]
        errors = app_of(client).state.init_errors
        assert list(errors) == ["apple"]
        assert "seed data is broken" in errors["apple"]


def test_permission_routes_need_module_scoped_unique_names(package: Writer, settings_factory: Callable[..., Settings]) -> None:
    source = manifest("named").replace('name="named.ping.get"', 'name="ping"').replace('auth="public"', 'auth="permission"')
    pkg = package({"named/__init__.py": "", "named/module.py": source})
    with pytest.raises(ModuleConfigError, match=r"named\.<resource>\.<action>"):
        create_app(settings_factory(BUSINESS_PACKAGE=pkg))


def test_routes_must_not_repeat_the_module_prefix(package: Writer, settings_factory: Callable[..., Settings]) -> None:
    source = manifest("twice").replace('"/ping"', '"/twice/ping"')
    pkg = package({"twice/__init__.py": "", "twice/module.py": source})
    with pytest.raises(ModuleConfigError, match="repeats the module prefix"):
        create_app(settings_factory(BUSINESS_PACKAGE=pkg))


def test_route_names_are_checked_inside_included_routers_too(package: Writer, settings_factory: Callable[..., Settings]) -> None:
    source = """
from fastapi import APIRouter
from app.utils import BusinessModule

inner = APIRouter(prefix="/things")

@inner.get("/all", name="things_all")
async def list_things() -> None: ...

router = APIRouter()
router.include_router(inner)
module = BusinessModule(name="nested", router=router)
"""
    pkg = package({"nested/__init__.py": "", "nested/module.py": source})
    with pytest.raises(ModuleConfigError, match=r"/things/all needs a unique name"):
        create_app(settings_factory(BUSINESS_PACKAGE=pkg))


async def test_subscribers_are_on_the_bus_only_while_the_app_runs(
    package: Writer, settings_factory: Callable[..., Settings], backend: services.Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
from tests.core.business_probe import CALLS
from app.utils import BusinessModule

def remember(payload: dict) -> None:
    CALLS.append(payload["n"])

module = BusinessModule(name="listener", subscribers=(("probe.ping", remember),))
"""
    pkg = package({"listener/__init__.py": "", "listener/module.py": source})
    async with running(settings_factory(BUSINESS_PACKAGE=pkg), backend, monkeypatch):
        await emit("probe.ping", {"n": 1})
        assert business_probe.CALLS == [1]
    await emit("probe.ping", {"n": 2})
    assert business_probe.CALLS == [1]
