"""Concurrent writers: 50 edits of one role's grants end in one state the cache agrees with;
50 identical state transitions — exactly one wins, the other 49 get 2306.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from fastapi import FastAPI

from app.core.authz.keys import role_key
from app.core.code import Code
from app.core.config import Settings
from app.core.exceptions import ConflictError
from app.core.sqids import encode_id
from app.core.state_machine import StateMachine
from app.system.models import Api, Menu, Role
from app.system.services.authz_source import role_grants
from tests import services
from tests.core.business_models import Document, started
from tests.system.conftest import bearer, create_user, do_login

MANAGE = "/api/v1/system-manage"
PROBES = [f"{MANAGE}/{r}/search" for r in ("users", "roles", "menus", "apis", "dictionaries")]
EDITS = 50


async def test_fifty_concurrent_grant_edits_end_in_one_state_the_cache_agrees_with(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    home = await Menu.get(route_name="home")
    role = await Role.create(role_code="R_RACE", role_name="race", by_role_home=home, data_scope="self")
    await create_user("racer", roles=("R_RACE",))
    racer = bearer(await do_login(client, "racer"))
    apis = {path: (await Api.get(api_method="post", api_path=path)).id for path in PROBES}
    # Edit i grants a different non-empty subset of the five probe APIs.
    wanted = [{p for bit, p in enumerate(PROBES) if (i + 1) >> bit & 1} or {PROBES[0]} for i in range(EDITS)]
    admin = bearer(tokens["Super"])

    async def edit(paths: set[str]) -> str:
        body = {"byRoleApiIds": [encode_id(apis[p]) for p in sorted(paths)]}
        return str((await client.patch(f"{MANAGE}/roles/{encode_id(role.id)}/apis", json=body, headers=admin)).json()["code"])

    codes = await asyncio.gather(*(edit(w) for w in wanted))
    assert set(codes) == {"0000"}, codes

    stored = {path for path, api_id in apis.items() if api_id in set(await role.by_role_apis.all().values_list("id", flat=True))}
    assert stored in wanted, stored  # one request's whole set, never a mix
    cached = json.loads(await app.state.redis.get(role_key("R_RACE", "apis")) or "[]")
    assert {entry["path"] for entry in cached if entry["method"] == "post"} == stored
    grants = await role_grants(["R_RACE"])
    assert {path for (method, path) in grants["R_RACE"].apis if method == "post"} == stored
    for path in PROBES:  # and the permission check (every worker's snapshot) agrees
        expected = "0000" if path in stored else "2201"
        assert (await client.post(path, json={}, headers=racer)).json()["code"] == expected, path


FLOW = StateMachine({"draft": ["review"], "review": ["published"]}, version_field="version")


async def test_fifty_identical_transitions_exactly_one_wins(settings: Settings, backend: services.Backend) -> None:
    async with started(settings, backend.name):
        doc = await Document.create(title="contested")
        copies = [await Document.get(id=doc.id) for _ in range(EDITS)]
        results = await asyncio.gather(*(FLOW.transition(c, "review") for c in copies), return_exceptions=True)
        winners = [r for r in results if isinstance(r, Document)]
        losers = [r for r in results if isinstance(r, ConflictError)]
        assert len(winners) == 1 and len(losers) == EDITS - 1, results
        assert {e.code for e in losers} == {Code.VERSION_CONFLICT}
        stored = await Document.get(id=doc.id)
        assert (stored.status, stored.version) == ("review", 1)
