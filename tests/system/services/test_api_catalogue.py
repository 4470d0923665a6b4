"""The API catalogue follows the live routes: insert, refresh, delete extras, keep status, in bulk."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi import APIRouter, FastAPI

from app.core.model import StatusType
from app.system.api.route_table import live_routes, route_keys
from app.system.models import Api, Menu, Role
from app.system.services.api_catalogue import format_tags, refresh_api_list
from app.system.services.init_helper import ensure_menu, ensure_role
from tests.system.seeding import bare_app, warnings_log

__all__ = ["bare_app", "warnings_log"]


async def _noop() -> dict[str, str]:
    return {}


def add_demo_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/api/v1/demo", tags=["演示", "demo"])
    router.add_api_route("/things/search", _noop, methods=["POST"], summary="查看事物列表", name="demo.things.list")
    router.add_api_route("/things/{item_id}", _noop, methods=["GET", "PATCH"], summary="事物", name="demo.things.item")
    router.add_api_route("/hidden", _noop, methods=["GET"], include_in_schema=False)
    app.include_router(router)
    app.add_api_route("/api/v1/auth/error", _noop, methods=["GET"])  # schema-visible but excluded by name


async def rows() -> dict[tuple[str, str], Api]:
    return {(api.api_method.value, api.api_path): api for api in await Api.all()}


def test_tags_are_pipe_fenced() -> None:
    assert format_tags(["a", "b"]) == "|a|b|"
    assert format_tags([]) == ""


async def test_every_schema_route_gets_one_row_per_method(bare_app: FastAPI) -> None:
    add_demo_routes(bare_app)
    changes = await refresh_api_list(live_routes(bare_app))
    table = await rows()
    assert set(table) == set(live_routes(bare_app))
    assert ("post", "/api/v1/demo/things/search") in table
    assert {("get", "/api/v1/demo/things/{item_id}"), ("patch", "/api/v1/demo/things/{item_id}")} <= set(table)
    assert not {key for key in table if key[1] in ("/api/v1/demo/hidden", "/api/v1/auth/error", "/health", "/health/live")}
    row = table[("post", "/api/v1/demo/things/search")]
    assert (row.summary, row.tags, row.is_system, row.status_type) == ("查看事物列表", "|演示|demo|", True, StatusType.enable)
    assert sorted(changes.inserted) == sorted(table)
    again = await refresh_api_list(live_routes(bare_app))
    assert (again.inserted, again.updated, again.deleted) == ([], [], [])


async def test_reconciliation_updates_deletes_and_keeps_status(bare_app: FastAPI, warnings_log: list[str]) -> None:
    add_demo_routes(bare_app)
    await refresh_api_list(live_routes(bare_app))
    await Api.filter(api_path="/api/v1/demo/things/search").update(summary="old", tags="|old|", is_system=False, status_type="2")
    gone = await Api.create(api_method="delete", api_path="/api/v1/demo/gone", summary="gone", tags="|demo|", is_system=False)
    await ensure_menu({"route_name": "home", "menu_name": "home", "route_path": "/home"})
    await ensure_role({"role_code": "R_X", "apis": [("delete", "/api/v1/demo/gone"), ("post", "/api/v1/demo/things/search")]})

    changes = await refresh_api_list(live_routes(bare_app))

    row = await Api.get(api_path="/api/v1/demo/things/search")
    assert (row.summary, row.tags, row.is_system, row.status_type) == ("查看事物列表", "|演示|demo|", True, StatusType.disable)
    assert changes.updated == [("post", "/api/v1/demo/things/search")]
    assert changes.deleted == [("delete", "/api/v1/demo/gone")]
    assert not await Api.filter(id=gone.id).exists()
    role = await Role.get(role_code="R_X")
    assert [api.api_path for api in await role.by_role_apis.all()] == ["/api/v1/demo/things/search"]
    assert any("API deleted" in line and "/api/v1/demo/gone" in line for line in warnings_log)
    assert await Menu.all().count() == 1


@pytest.fixture
def query_log() -> Iterator[list[str]]:
    """Every SQL statement Tortoise sends while the test runs."""
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    db_logger = logging.getLogger("tortoise.db_client")
    previous = db_logger.level
    db_logger.setLevel(logging.DEBUG)
    db_logger.addHandler(handler)
    try:
        yield seen
    finally:
        db_logger.removeHandler(handler)
        db_logger.setLevel(previous)


def add_many_routes(app: FastAPI, count: int) -> None:
    for index in range(count):
        app.add_api_route(f"/api/v1/bulk/r{index}", _noop, methods=["GET"], summary=f"r{index}", tags=["bulk"])


async def test_a_cold_start_with_500_routes_costs_a_handful_of_queries(bare_app: FastAPI, query_log: list[str]) -> None:
    add_many_routes(bare_app, 500)
    await refresh_api_list(live_routes(bare_app))
    assert await Api.filter(api_path__startswith="/api/v1/bulk/").count() == 500
    cold = len(query_log)
    assert cold <= 12, query_log[:20]
    query_log.clear()
    await Api.filter(api_path="/api/v1/bulk/r1").update(summary="changed")
    query_log.clear()
    await refresh_api_list(live_routes(bare_app))
    assert len(query_log) <= 8, query_log[:20]


def test_route_keys_map_route_names_to_method_and_path(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory()
    add_demo_routes(app)
    assert route_keys(app)["demo.things.list"] == ("post", "/api/v1/demo/things/search")
