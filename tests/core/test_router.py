"""CRUDRouter: the standard route set, its order, override, dependencies, and the HTTP contract."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from tortoise.expressions import Q

from app.core.code import Code
from app.core.config import Settings
from app.core.crud import CRUDBase
from app.core.ctx import CTX_ROLE_CODES, CTX_USER_ID
from app.core.exceptions import BizError
from app.core.page_cache import get_page_cache
from app.core.policy import DataPolicy, register_policies
from app.core.responses import Success
from app.core.router import ACTIONS, CRUDRouter, RouteInfo, get_route_info
from app.core.schema import PageQueryBase, SchemaBase, make_optional
from app.core.sqids import encode_id
from app.core.write_tracking import install_write_tracking, set_listener
from tests import services
from tests.core.crud_models import Gadget, Node, Note, capture_sql, make_app, started


class GadgetCreate(SchemaBase):
    name: str
    code: str
    price: int = 0
    password: str | None = None


GadgetUpdate = make_optional(GadgetCreate, "GadgetUpdate")


class GadgetSearch(PageQueryBase):
    name: str | None = None
    code: str | None = None
    price_start: int | None = None
    price_end: int | None = None


class NoteCreate(SchemaBase):
    title: str


def gadget_router(**overrides: object) -> CRUDRouter:
    options: dict[str, object] = {
        "create_schema": GadgetCreate,
        "update_schema": GadgetUpdate,
        "list_schema": GadgetSearch,
        "search_fields": {"contains": ["name"], "exact": ["code"], "range": ["price"]},
        "summary_prefix": "小工具",
        "exclude_fields": ["password", "api_token_hash"],
        "tree_endpoint": True,
    }
    options.update(overrides)
    return CRUDRouter("/gadgets", CRUDBase(Gadget), **options)  # type: ignore[arg-type]


async def deny() -> None:
    raise BizError(Code.PERMISSION_DENIED)


@pytest.fixture
def serve(settings: Settings, backend: services.Backend) -> Callable[..., AsyncIterator[httpx.AsyncClient]]:
    """``async with serve(router, ...) as client``: an app with these routers under /api/v1 on a fresh database."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run(*routers: APIRouter) -> AsyncIterator[httpx.AsyncClient]:
        app = make_app(settings)
        api = APIRouter(prefix="/api/v1")
        for router in routers:
            api.include_router(router)
        app.include_router(api)
        async with started(app, backend.name):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield client

    return run  # type: ignore[return-value]


# -- route set, names, order (no database needed) ---------------------------------------


def test_all_standard_routes_with_summaries_and_names() -> None:
    info = set(get_route_info(gadget_router()))
    assert info == {
        RouteInfo("POST", "/gadgets/search", "查看小工具列表", "gadgets.list"),
        RouteInfo("GET", "/gadgets/{item_id}", "查看小工具", "gadgets.get"),
        RouteInfo("POST", "/gadgets", "创建小工具", "gadgets.create"),
        RouteInfo("PATCH", "/gadgets/{item_id}", "更新小工具", "gadgets.update"),
        RouteInfo("DELETE", "/gadgets/{item_id}", "删除小工具", "gadgets.delete"),
        RouteInfo("DELETE", "/gadgets", "批量删除小工具", "gadgets.batch_delete"),
        RouteInfo("GET", "/gadgets/tree", "查看小工具树", "gadgets.tree"),
    }


def test_handlers_are_named_verb_noun_and_route_key_prefix_names_routes() -> None:
    router = gadget_router(route_key_prefix="shop.gadget")
    endpoints = {route.name: route.endpoint.__name__ for route in router.routes}  # type: ignore[attr-defined]
    assert endpoints == {
        "shop.gadget.list": "list_gadgets",
        "shop.gadget.get": "get_gadget",
        "shop.gadget.create": "create_gadget",
        "shop.gadget.update": "update_gadget",
        "shop.gadget.delete": "delete_gadget",
        "shop.gadget.batch_delete": "batch_delete_gadgets",
        "shop.gadget.tree": "get_gadget_tree",
    }


def test_routes_depend_on_schemas_tree_flag_and_enable_routes() -> None:
    bare = CRUDRouter("/things", CRUDBase(Gadget))
    assert {i.name for i in get_route_info(bare)} == {"things.get", "things.delete", "things.batch_delete"}
    subset = gadget_router(enable_routes=["list", "create", "tree"])
    assert [i.name for i in get_route_info(subset)] == ["gadgets.list", "gadgets.create", "gadgets.tree"]
    with pytest.raises(ValueError, match="unknown CRUD actions"):
        gadget_router(enable_routes=["list", "purge"])
    with pytest.raises(ValueError, match="unknown CRUD actions"):
        gadget_router(action_dependencies={"purge": [Depends(deny)]})


def test_static_paths_always_precede_parameterised_ones() -> None:
    router = gadget_router()

    @router.post("/batch-offline", summary="x")
    async def batch_offline() -> Success:
        return Success()

    @router.get("/{item_id}/history")
    async def history(item_id: str) -> Success:
        return Success()

    paths = [i.path for i in get_route_info(router)]
    first_param = next(n for n, p in enumerate(paths) if "{" in p)
    assert all("{" not in p for p in paths[:first_param]) and all("{" in p for p in paths[first_param:])
    assert "/gadgets/batch-offline" in paths[:first_param] and "/gadgets/tree" in paths[:first_param]
    assert paths.index("/gadgets/search") < paths.index("/gadgets/batch-offline")  # stable among statics


def test_get_route_info_resolves_included_prefixes() -> None:
    api = APIRouter(prefix="/api/v1")
    api.include_router(gadget_router(enable_routes=["get"]))
    app = FastAPI()
    app.include_router(api)
    assert get_route_info(app) == [RouteInfo("GET", "/api/v1/gadgets/{item_id}", "查看小工具", "gadgets.get")]


def test_override_replaces_the_route_in_place_keeping_summary_name_and_deps() -> None:
    router = gadget_router(action_dependencies={"list": [Depends(deny)]})

    @router.override("list")
    async def custom_list(body: GadgetSearch) -> Success:
        return Success("custom")

    routes = [r for r in router.routes if getattr(r, "name", "") == "gadgets.list"]
    assert len(routes) == 1
    route = routes[0]
    assert (route.path, route.methods, route.summary, route.endpoint) == ("/gadgets/search", {"POST"}, "查看小工具列表", custom_list)  # type: ignore[attr-defined]
    assert [d.dependency for d in route.dependencies] == [deny]  # type: ignore[attr-defined]
    assert len(get_route_info(router)) == len(ACTIONS)


# -- HTTP behaviour ----------------------------------------------------------------------


async def test_create_get_update_delete_round_trip(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async with serve(gadget_router()) as client:
        created = (await client.post("/api/v1/gadgets", json={"name": "Lamp", "code": "L1", "password": "s3cret"})).json()
        assert created["code"] == "0000" and created["msg"] == "Created"
        sqid = created["data"]["createdId"]
        assert isinstance(sqid, str) and len(sqid) >= 8
        record = (await client.get(f"/api/v1/gadgets/{sqid}")).json()["data"]
        assert (record["id"], record["name"], record["price"]) == (sqid, "Lamp", 0)
        assert "password" not in record and "apiTokenHash" not in record and "fmtCreatedAt" in record
        updated = (await client.patch(f"/api/v1/gadgets/{sqid}", json={"price": 12}, headers={"Accept-Language": "zh-CN"})).json()
        assert updated == {"code": "0000", "msg": "更新成功", "data": {"updatedId": sqid}}
        assert (await Gadget.get(code="L1")).price == 12
        deleted = (await client.delete(f"/api/v1/gadgets/{sqid}")).json()
        assert (deleted["msg"], deleted["data"]) == ("Deleted", {"deletedId": sqid})
        again = (await client.delete(f"/api/v1/gadgets/{sqid}")).json()
        assert again["code"] == Code.NOT_FOUND


async def test_unknown_and_non_canonical_ids(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async with serve(gadget_router()) as client:
        missing = encode_id(987654)
        for call in (client.get, client.delete):
            assert (await call(f"/api/v1/gadgets/{missing}")).json()["code"] == Code.NOT_FOUND
        assert (await client.patch(f"/api/v1/gadgets/{missing}", json={"price": 1})).json()["code"] == Code.NOT_FOUND
        row = await Gadget.create(name="A", code="A")
        canonical = str(encode_id(row.id))
        assert len(canonical) == 8  # the minimum length: one character less is never an id
        for bad in (str(row.id), canonical[:-1], canonical + "-", canonical * 5):
            body = (await client.get(f"/api/v1/gadgets/{bad}")).json()
            assert body["code"] == Code.REQUEST_VALIDATION, bad
            assert body["data"]["errors"][0]["field"] == "item_id"
        # Another string of the alphabet is refused, or is the canonical id of another (missing) record:
        # which one depends on the id, but it never reaches this row.
        for other in (canonical.swapcase(), canonical + "0"):
            body = (await client.get(f"/api/v1/gadgets/{other}")).json()
            assert body["code"] in (Code.REQUEST_VALIDATION, Code.NOT_FOUND), other


async def test_batch_delete_ignores_missing_ids(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async with serve(gadget_router()) as client:
        a, b = await Gadget.create(name="A", code="A"), await Gadget.create(name="B", code="B")
        ids = [encode_id(b.id), encode_id(a.id), encode_id(5555)]
        body = (await client.request("DELETE", "/api/v1/gadgets", json={"ids": ids})).json()
        assert body["data"] == {"deletedCount": 2, "deletedIds": [encode_id(a.id), encode_id(b.id)]}
        assert await Gadget.all().count() == 0
        empty = (await client.request("DELETE", "/api/v1/gadgets", json={"ids": []})).json()
        assert empty["code"] == Code.REQUEST_VALIDATION


async def test_search_pages_filters_and_orders(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async with serve(gadget_router(list_order=["-price"])) as client:
        for i in range(1, 8):
            await Gadget.create(name=f"Gadget {i}", code=f"G{i}", price=i * 10)
        page = (await client.post("/api/v1/gadgets/search", json={"current": 2, "size": 2})).json()["data"]
        assert (page["total"], page["current"], page["size"]) == (7, 2, 2)
        assert [r["price"] for r in page["records"]] == [50, 40]  # list_order by default
        filtered = (
            await client.post("/api/v1/gadgets/search", json={"name": "Gadget", "priceStart": 20, "priceEnd": 40, "orderBy": ["price"]})
        ).json()
        assert [r["code"] for r in filtered["data"]["records"]] == ["G2", "G3", "G4"]
        exact = (await client.post("/api/v1/gadgets/search", json={"code": "G5", "name": ""})).json()["data"]
        assert [r["code"] for r in exact["records"]] == ["G5"]


@pytest.mark.parametrize(
    ("order_by", "message"),
    [
        (["password"], "orderBy: password is not sortable"),
        (["-apiTokenHash"], "orderBy: api_token_hash is not sortable"),
        (["nope"], "orderBy: nope is not sortable"),
        (["id desc; drop table t_gadgets"], None),
    ],
)
async def test_search_rejects_orders_outside_the_whitelist(
    serve: Callable[..., AsyncIterator[httpx.AsyncClient]], order_by: list[str], message: str | None
) -> None:
    async with serve(gadget_router()) as client:
        await Gadget.create(name="A", code="A")
        with capture_sql() as sql:
            body = (await client.post("/api/v1/gadgets/search", json={"orderBy": order_by})).json()
        assert body["code"] == Code.REQUEST_VALIDATION
        if message is not None:
            assert body["msg"] == message
        assert sql.statements == []


async def test_page_of_100_is_two_queries(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async with serve(gadget_router()) as client:
        await Gadget.bulk_create([Gadget(name=f"G{i}", code=f"G{i}") for i in range(150)])
        with capture_sql() as sql:
            body = (await client.post("/api/v1/gadgets/search", json={"size": 100})).json()
        assert len(body["data"]["records"]) == 100
        assert len(sql.statements) == 2


async def test_data_policy_and_record_transform_shape_the_list(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async def only_cheap(request: Request) -> Q:
        assert isinstance(request, Request)
        return Q(price__lt=20)

    router = gadget_router(data_policy=only_cheap, record_transform=lambda g: {"label": g.name.upper()})
    async with serve(router) as client:
        for i, price in enumerate((5, 15, 25)):
            await Gadget.create(name=f"g{i}", code=f"C{i}", price=price)
        page = (await client.post("/api/v1/gadgets/search", json={})).json()["data"]
        assert (page["total"], page["records"]) == (2, [{"label": "G0"}, {"label": "G1"}])


CHEAP_ONLY = DataPolicy("crudtest.gadget.read", Gadget, build_filter=lambda ctx: Q(price__lt=20))


@pytest.mark.parametrize("by_name", [True, False])
async def test_named_data_policy_filters_the_list_except_for_super(
    serve: Callable[..., AsyncIterator[httpx.AsyncClient]], by_name: bool
) -> None:
    register_policies([CHEAP_ONLY])
    router = gadget_router(data_policy=CHEAP_ONLY.name if by_name else CHEAP_ONLY)
    async with serve(router) as client:
        for i, price in enumerate((5, 25)):
            await Gadget.create(name=f"g{i}", code=f"C{i}", price=price)
        assert (await client.post("/api/v1/gadgets/search", json={})).json()["data"]["total"] == 1
        token = CTX_ROLE_CODES.set(("R_SUPER",))  # ASGITransport copies the context into the request
        try:
            assert (await client.post("/api/v1/gadgets/search", json={})).json()["data"]["total"] == 2
        finally:
            CTX_ROLE_CODES.reset(token)


async def test_action_dependencies_guard_default_and_overridden_routes(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    router = gadget_router(action_dependencies={"list": [Depends(deny)], "get": [Depends(deny)]})

    @router.override("list")
    async def custom_list(body: GadgetSearch) -> Success:
        return Success("custom")

    async with serve(router) as client:
        row = await Gadget.create(name="A", code="A")
        assert (await client.post("/api/v1/gadgets/search", json={})).json()["code"] == Code.PERMISSION_DENIED
        assert (await client.get(f"/api/v1/gadgets/{encode_id(row.id)}")).json()["code"] == Code.PERMISSION_DENIED
        assert (await client.post("/api/v1/gadgets", json={"name": "B", "code": "B"})).json()["code"] == "0000"


async def test_override_serves_the_custom_handler(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    router = gadget_router()

    @router.override("get")
    async def get_gadget_custom(item_id: str) -> Success:
        return Success({"custom": item_id})

    async with serve(router) as client:
        assert (await client.get("/api/v1/gadgets/whatever")).json()["data"] == {"custom": "whatever"}


async def test_static_route_added_later_is_not_shadowed(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    router = gadget_router()

    @router.get("/stats")
    async def gadget_stats() -> Success:
        return Success({"count": await Gadget.all().count()})

    async with serve(router) as client:
        assert (await client.get("/api/v1/gadgets/stats")).json() == {"code": "0000", "msg": "OK", "data": {"count": 0}}


async def test_soft_delete_routes_hide_rows(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    router = CRUDRouter("/notes", CRUDBase(Note), create_schema=NoteCreate, list_schema=PageQueryBase, soft_delete=True)
    async with serve(router) as client:
        a, b, c = [await Note.create(title=t) for t in "abc"]
        assert (await client.delete(f"/api/v1/notes/{encode_id(a.id)}")).json()["data"] == {"deletedId": encode_id(a.id)}
        assert (await client.delete(f"/api/v1/notes/{encode_id(a.id)}")).json()["code"] == Code.NOT_FOUND
        assert (await client.get(f"/api/v1/notes/{encode_id(a.id)}")).json()["code"] == Code.NOT_FOUND
        batch = (await client.request("DELETE", "/api/v1/notes", json={"ids": [encode_id(a.id), encode_id(b.id)]})).json()
        assert batch["data"] == {"deletedCount": 1, "deletedIds": [encode_id(b.id)]}
        page = (await client.post("/api/v1/notes/search", json={})).json()["data"]
        assert [r["title"] for r in page["records"]] == ["c"] and page["total"] == 1
        assert await Note.all_objects.all().count() == 3 and c.id


async def test_openapi_documents_every_route(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async with serve(gadget_router()) as client:
        spec = (await client.get("/openapi.json")).json()
    assert set(spec["paths"]) >= {"/api/v1/gadgets/search", "/api/v1/gadgets", "/api/v1/gadgets/{item_id}", "/api/v1/gadgets/tree"}
    assert spec["paths"]["/api/v1/gadgets/search"]["post"]["summary"] == "查看小工具列表"
    assert "GadgetSearch" in spec["components"]["schemas"]


async def test_tree_endpoint_nests_records(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    router = CRUDRouter("/nodes", CRUDBase(Node), tree_endpoint=True, enable_routes=["get", "tree"])
    async with serve(router) as client:
        root = await Node.create(label="root")
        child = await Node.create(label="child", parent_id=root.id, level=2)
        tree = (await client.get("/api/v1/nodes/tree")).json()["data"]
        assert [(n["label"], n["parentId"]) for n in tree] == [("root", 0)]
        assert [(c["id"], c["parentId"]) for c in tree[0]["children"]] == [(encode_id(child.id), encode_id(root.id))]


async def test_tree_endpoint_awaits_an_async_record_transform(serve: Callable[..., AsyncIterator[httpx.AsyncClient]]) -> None:
    async def labelled(node: Node) -> dict[str, object]:
        return {"id": encode_id(node.id), "parentId": encode_id(node.parent_id), "title": node.label.upper()}

    router = CRUDRouter("/nodes", CRUDBase(Node), tree_endpoint=True, enable_routes=["tree"], record_transform=labelled)
    async with serve(router) as client:
        root = await Node.create(label="root")
        await Node.create(label="child", parent_id=root.id, level=2)
        tree = (await client.get("/api/v1/nodes/tree")).json()["data"]
        assert [n["title"] for n in tree] == ["ROOT"]
        assert [c["title"] for c in tree[0]["children"]] == ["CHILD"]


class Versions:
    """Stands in for the authentication step (observes the data version) and for a committed write (replaces it)."""

    def __init__(self) -> None:
        self.current = "v1"
        self.count = 0

    async def observe(self, request: Request) -> None:
        CTX_USER_ID.set(int(request.headers.get("x-user", "1")))
        get_page_cache().observe(self.current)

    async def written(self) -> None:
        get_page_cache().local_write()
        self.count += 1
        self.current = f"v{self.count + 1}"


@pytest.fixture
def versions() -> Iterator[Versions]:
    chosen = Versions()
    previous = set_listener(chosen.written)
    yield chosen
    set_listener(previous)


async def test_list_cache_reuses_a_page_until_the_next_write(
    serve: Callable[..., AsyncIterator[httpx.AsyncClient]], versions: Versions
) -> None:
    router = gadget_router(list_cache=True, action_dependencies={"list": [Depends(versions.observe)]})
    async with serve(router) as client:
        install_write_tracking()  # the backend's client class is loaded now (start-up does the same)
        await Gadget.create(name="a", code="A")
        first = (await client.post("/api/v1/gadgets/search", json={"size": 10})).json()["data"]
        with capture_sql() as sql:
            again = (await client.post("/api/v1/gadgets/search", json={"size": 10})).json()["data"]
        assert again == first and first["total"] == 1 and sql.statements == []
        await Gadget.create(name="b", code="B")
        assert (await client.post("/api/v1/gadgets/search", json={"size": 10})).json()["data"]["total"] == 2
        assert (await client.post("/api/v1/gadgets/search", json={"size": 1})).json()["data"]["records"][0]["name"] == "a"


async def test_list_cache_keeps_a_page_per_caller_when_a_data_policy_applies(
    serve: Callable[..., AsyncIterator[httpx.AsyncClient]], versions: Versions
) -> None:
    async def own_price_or_less(request: Request) -> Q:
        return Q(price__lte=CTX_USER_ID.get() * 10)

    router = gadget_router(list_cache=True, data_policy=own_price_or_less, action_dependencies={"list": [Depends(versions.observe)]})
    async with serve(router) as client:
        for i, price in enumerate((5, 15, 25)):
            await Gadget.create(name=f"g{i}", code=f"C{i}", price=price)

        async def total(user: int) -> int:
            page = (await client.post("/api/v1/gadgets/search", json={}, headers={"x-user": str(user)})).json()["data"]
            return int(page["total"])

        assert [await total(1), await total(3), await total(1), await total(3)] == [1, 3, 1, 3]
