"""A user's snapshot is loaded once for all the requests that miss it together.

A login bumps its user's revision, so every request of that user in flight
misses the snapshot at the same moment; they share one load instead of each
querying the database (the herd that slowed every request during a login storm).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from app.core.authz import AuthzRuntime
from app.core.authz.model import Principal
from app.system.models import User
from app.system.services.authz_loader import touch_user
from tests import services
from tests.core.probe_routes import started_probe_app
from tests.system.conftest import bearer, create_user, do_login, ensure_fixture_rbac


@pytest.fixture
async def app(app_factory: Callable[..., FastAPI], backend: services.Backend) -> AsyncIterator[FastAPI]:
    async for application in started_probe_app(app_factory, backend):
        await ensure_fixture_rbac()
        yield application


class CountingLoads:
    """Wraps the runtime's ``load_principal``: counts calls and can hold them until released."""

    def __init__(self, runtime: AuthzRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
        source = runtime.source
        assert source is not None
        self.original = source.load_principal
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_next = False
        monkeypatch.setattr(source, "load_principal", self.load)

    async def load(self, user_id: int) -> Principal | None:
        self.calls += 1
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database went away")
        return await self.original(user_id)


async def test_concurrent_requests_after_a_revision_bump_share_one_load(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await create_user("herd", roles=("R_USER",))
    token = await do_login(client, "herd")
    assert (await client.get("/api/v1/auth/user-info", headers=bearer(token))).json()["code"] == "0000"
    loads = CountingLoads(app.state.authz, monkeypatch)
    await User.filter(id=user.id).update(nick_name="renamed")
    await touch_user(user.id)
    answers = await asyncio.gather(*(client.get("/api/v1/auth/user-info", headers=bearer(token)) for _ in range(16)))
    assert {a.json()["data"]["nickName"] for a in answers} == {"renamed"}, "every request sees the change"
    assert loads.calls == 1


async def test_a_failed_shared_load_fails_its_waiters_and_the_next_request_loads_again(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await create_user("herd2", roles=("R_USER",))
    await do_login(client, "herd2")
    runtime: AuthzRuntime = app.state.authz
    loads = CountingLoads(runtime, monkeypatch)
    await touch_user(user.id)
    loads.gate.clear()
    loads.fail_next = True
    waiters = [asyncio.create_task(runtime.resolve(user.id)) for _ in range(4)]
    await asyncio.sleep(0.05)
    loads.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results) and loads.calls == 1
    resolved = await runtime.resolve(user.id)
    assert resolved.access is not None and resolved.access.principal.user_name == "herd2"
    assert loads.calls == 2


async def test_a_cancelled_request_does_not_cancel_the_load_others_wait_for(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await create_user("herd3", roles=("R_USER",))
    await do_login(client, "herd3")
    runtime: AuthzRuntime = app.state.authz
    loads = CountingLoads(runtime, monkeypatch)
    await touch_user(user.id)
    loads.gate.clear()
    first = asyncio.create_task(runtime.resolve(user.id))
    second = asyncio.create_task(runtime.resolve(user.id))
    await asyncio.sleep(0.05)
    first.cancel()
    loads.gate.set()
    resolved = await second
    assert first.cancelled() and resolved.access is not None and loads.calls == 1
