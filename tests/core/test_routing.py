"""The routing fast path picks exactly what FastAPI's own router picks, with the same scope.

Every request below goes once through the fast path (``app.router``) and once
through FastAPI's router (``FastRouting.fallback``); ``APIRoute.handle`` is
replaced by a recorder, so no endpoint runs and the comparison covers the
selected route, the scope it is handed, and what FastAPI does when nothing
matches fully (405, 404, slash redirects, mounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, WebSocket
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from app.core import route_tree
from app.core.dependency import route_template
from app.core.routing import FastRouting
from tests.core.bare import bare_app, client_for

Outcome = tuple[Any, list[dict[str, Any]]]


def mark_inner() -> None: ...


def mark_include() -> None: ...


def probe_router() -> APIRouter:
    """Nested includes with their own dependencies, both route orders, a mount, a plain route, a websocket."""
    inner = APIRouter(prefix="/inner", dependencies=[Depends(mark_inner)])

    @inner.get("/items/{item_id:int}")
    async def get_item(item_id: int) -> None: ...

    @inner.get("/items/search")  # after the int route, which does not match it
    async def search_items() -> None: ...

    @inner.get("/things/{name}")  # before the literal route: FastAPI picks it for GET /things/fixed
    async def get_thing(name: str) -> None: ...

    @inner.get("/things/fixed")
    async def get_fixed_thing() -> None: ...

    @inner.put("/things/fixed")  # PUT: the param route only matches partially, this one fully
    async def put_fixed_thing() -> None: ...

    @inner.api_route("/multi", methods=["GET", "POST"], include_in_schema=False)  # one operation id for two methods
    async def multi() -> None: ...

    @inner.get("/files/{rest:path}")
    async def get_file(rest: str) -> None: ...

    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("plain")

    outer = APIRouter(prefix="/probe")
    outer.add_route("/probe/plain", plain, methods=["GET"])  # Starlette routes get no router prefix

    @outer.get("/plain")  # shadowed by the plain Starlette route for GET
    async def get_plain_shadowed() -> None: ...

    @outer.get("/slash/")
    async def get_slash() -> None: ...

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    outer.add_api_websocket_route("/ws", ws)
    outer.include_router(inner, dependencies=[Depends(mark_include)], tags=["probe"])
    return outer


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    application = bare_app(BUSINESS_MODULES_ENABLED=["ledger", "inventory"])
    application.include_router(probe_router())
    application.mount("/static", StaticFiles(directory=tmp_path), name="static")

    @application.get("/top/{x}")
    async def get_top(x: str) -> None: ...

    @application.get("/static/shadowed")  # the mount comes first and takes it
    async def get_static_shadowed() -> None: ...

    return application


@pytest.fixture(autouse=True)
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    async def record(self: APIRoute, scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(_snapshot(self, scope))
        await PlainTextResponse("recorded")(scope, receive, send)

    monkeypatch.setattr(APIRoute, "handle", record)
    yield calls


def _ident(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {key: _ident(item) for key, item in value.items()}
    return ("object", id(value))


def _snapshot(route: APIRoute, scope: Scope) -> dict[str, Any]:
    keys = ("route", "endpoint", "path_params", "router", "fastapi", "root_path", "path")
    shot = {key: _ident(scope.get(key, "<missing>")) for key in keys}
    shot["handled_by"] = _ident(route)
    shot["template"] = route_template(scope)
    return shot


def fast_routing(app: FastAPI) -> FastRouting:
    fast = app.router.middleware_stack
    assert isinstance(fast, FastRouting)
    return fast


async def run(asgi: Any, app: FastAPI, recorded: list[dict[str, Any]], method: str, path: str, root_path: str = "") -> Outcome:
    """Send one request straight to a router; what came back and what the recorder saw."""
    recorded.clear()
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "http",
        "server": ("testserver", 80),
        "app": app,
    }
    messages: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        messages.append(message)

    try:
        await asgi(scope, receive, send)
    except Exception as exc:  # 404/405 are raised as HTTPException for the app's handlers
        status: Any = (type(exc).__name__, getattr(exc, "status_code", None), getattr(exc, "headers", None))
    else:
        start = next(m for m in messages if m["type"] == "http.response.start")
        status = (start["status"], sorted(start.get("headers", [])))
    return status, list(recorded)


async def assert_same(app: FastAPI, recorded: list[dict[str, Any]], method: str, path: str, *, hit: bool, root_path: str = "") -> None:
    fast = fast_routing(app)
    fastapi_outcome = await run(fast.fallback, app, recorded, method, path, root_path)
    fast_outcome = await run(app.router, app, recorded, method, path, root_path)
    assert fast_outcome == fastapi_outcome, f"{method} {path}"
    index = fast.current_index()
    assert index is not None
    route_path = path.removeprefix(root_path) if root_path else path
    assert (index.lookup(route_path, method) is not None) is hit, f"{method} {path}: fast path hit expected {hit}"


PROBE_TABLE = [
    # (method, path, the fast path answers it itself)
    ("GET", "/probe/inner/items/7", True),
    ("GET", "/probe/inner/items/search", True),
    ("POST", "/probe/inner/items/search", False),  # 405
    ("GET", "/probe/inner/things/fixed", True),  # the param route registered first
    ("PUT", "/probe/inner/things/fixed", True),  # the literal PUT route
    ("DELETE", "/probe/inner/things/fixed", False),  # 405
    ("GET", "/probe/inner/things/other", True),
    ("HEAD", "/probe/inner/things/other", False),
    ("POST", "/probe/inner/multi", True),
    ("GET", "/probe/inner/files/a/b/c.txt", True),
    ("GET", "/probe/inner/items/7/", False),  # slash redirect
    ("GET", "/probe/slash", False),  # slash redirect
    ("GET", "/probe/slash/", True),
    ("GET", "/probe/plain", False),  # the Starlette route comes first
    ("GET", "/probe/ws", False),  # a websocket route: 404 for http
    ("GET", "/probe/nothing", False),
    ("GET", "/top/here", True),
    ("GET", "/static/shadowed", False),  # the mount comes first
    ("GET", "/static/missing.css", False),
    ("GET", "/probe/inner/things/fixed\n", False),  # "$" matches before a final newline
]


@pytest.mark.parametrize(("method", "path", "hit"), PROBE_TABLE)
async def test_same_choice_as_fastapi(app: FastAPI, recorded: list[dict[str, Any]], method: str, path: str, hit: bool) -> None:
    await assert_same(app, recorded, method, path, hit=hit)


async def test_same_choice_behind_a_root_path(app: FastAPI, recorded: list[dict[str, Any]]) -> None:
    await assert_same(app, recorded, "GET", "/prefix/probe/inner/items/7", hit=True, root_path="/prefix")
    await assert_same(app, recorded, "GET", "/prefix/api/v1/auth/user-info", hit=True, root_path="/prefix")


def _concrete(path: str) -> str:
    return re.sub(r"{[^}]+}", "1", path)


async def test_every_trellis_route_is_fast_and_the_same(app: FastAPI, recorded: list[dict[str, Any]]) -> None:
    """System, CRUDRouter (literal before param paths) and business module routes, every method, with and without a slash."""
    routes = [rc for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute) and rc.path.startswith("/api/")]
    assert any(rc.path.startswith("/api/v1/business/") for rc in routes)
    assert any(rc.path.startswith("/api/v1/system-manage/users/") for rc in routes)
    for rc in routes:
        path = _concrete(rc.path)
        for method in sorted(rc.methods):
            await assert_same(app, recorded, method, path, hit=True)
        for method in ("GET", "POST", "DELETE"):
            index = fast_routing(app).current_index()
            assert index is not None
            await assert_same(app, recorded, method, path, hit=index.lookup(path, method) is not None)
        await assert_same(app, recorded, "GET", path + "/", hit=False)


async def test_routes_added_after_start_are_picked_up(app: FastAPI, recorded: list[dict[str, Any]]) -> None:
    await assert_same(app, recorded, "GET", "/probe/inner/things/late", hit=True)
    param_route = recorded[0]["route"]
    late = APIRouter()

    @late.get("/probe/inner/things/late")
    async def get_late_thing() -> None: ...

    app.include_router(late)  # after the probe router: its param route still wins
    await assert_same(app, recorded, "GET", "/probe/inner/things/late", hit=True)
    assert recorded[0]["route"] == param_route

    app.router.routes.insert(0, APIRoute("/probe/inner/things/late", endpoint=get_late_thing))  # now the first route
    await assert_same(app, recorded, "GET", "/probe/inner/things/late", hit=True)
    assert recorded[0]["route"] != param_route


async def test_route_added_to_an_included_router_is_picked_up(recorded: list[dict[str, Any]]) -> None:
    application = bare_app()
    first = APIRouter(prefix="/x")
    second = APIRouter(prefix="/x")

    @second.get("/{name}")
    async def get_named(name: str) -> None: ...

    application.include_router(first)
    application.include_router(second)
    await assert_same(application, recorded, "GET", "/x/late", hit=True)
    assert recorded[0]["handled_by"] == _ident(application.router.routes[-1].original_router.routes[0])  # type: ignore[attr-defined]

    @first.get("/late")
    async def get_late() -> None: ...

    await assert_same(application, recorded, "GET", "/x/late", hit=True)
    assert recorded[0]["handled_by"] == _ident(first.routes[0])


async def test_websocket_and_lifespan_go_to_fastapi(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def record_ws(self: APIWebSocketRoute, scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["path"])

    monkeypatch.setattr(APIWebSocketRoute, "handle", record_ws)
    scope = {"type": "websocket", "path": "/probe/ws", "root_path": "", "headers": [], "query_string": b"", "app": app}

    async def nothing() -> dict[str, Any]:
        return {}

    async def ignore(message: Any) -> None: ...

    await app.router(scope, nothing, ignore)
    assert seen == ["/probe/ws"]


async def test_envelope_for_404_405_and_auth_is_unchanged() -> None:
    fast_app, fastapi_app = bare_app(), bare_app()
    fastapi_app.router.middleware_stack = fastapi_app.router.app
    requests = [
        ("GET", "/api/v1/nowhere"),
        ("DELETE", "/api/v1/auth/user-info"),
        ("GET", "/api/v1/auth/user-info"),
        ("GET", "/api/v1/system-manage/users/1"),
        ("GET", "/api/v1/system-manage/users/"),
    ]
    async with client_for(fast_app) as fast_http, client_for(fastapi_app) as fastapi_http:
        for method, path in requests:
            fast = await fast_http.request(method, path)
            slow = await fastapi_http.request(method, path)
            assert (fast.status_code, fast.headers.get("location"), fast.content) == (
                slow.status_code,
                slow.headers.get("location"),
                slow.content,
            ), f"{method} {path}"


def test_fastapi_internals_are_the_expected_ones(app: FastAPI) -> None:
    """Fails loudly on a FastAPI upgrade that changes what ``app.core.route_tree`` reads."""
    route_tree.check_compatible()
    tree = route_tree.walk(app.router)
    public = list(iter_route_contexts(app.routes))
    assert [leaf.path for leaf in tree.leaves] == [rc.path for rc in public]
    api_routes = [id(rc.original_route) for rc in public if isinstance(rc.original_route, APIRoute)]
    assert [id(leaf.route) for leaf in tree.leaves if leaf.kind is route_tree.Kind.API] == api_routes
    assert tree.is_current()


async def test_an_unknown_fastapi_shape_turns_the_fast_path_off(
    app: FastAPI, recorded: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(router: Any) -> Any:
        raise route_tree.RouteTreeError("changed")

    monkeypatch.setattr("app.core.routing.walk", broken)
    fast = fast_routing(app)
    fastapi_outcome = await run(fast.fallback, app, recorded, "GET", "/probe/inner/items/7")
    assert await run(app.router, app, recorded, "GET", "/probe/inner/items/7") == fastapi_outcome
    assert fast.disabled and fast.current_index() is None


def test_openapi_is_unchanged(app: FastAPI) -> None:
    before = app.openapi()
    app.openapi_schema = None
    assert fast_routing(app).current_index() is not None
    assert app.openapi() == before
