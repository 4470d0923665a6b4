"""CRUDBase and build_search: paging, search, the orderBy whitelist, writes, soft delete, trees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from tortoise.expressions import Q

from app.core.code import Code
from app.core.config import Settings
from app.core.crud import CRUDBase, build_search, default_sortable_fields
from app.core.exceptions import BizError
from app.core.schema import PageQueryBase
from tests import services
from tests.core.crud_models import Gadget, Node, Note, Tag, acting_as, capture_sql, make_app, started


class GadgetSearch(PageQueryBase):
    name: str | None = None
    code: str | None = None
    status_type: str | None = None
    price_start: int | None = None
    price_end: int | None = None


class GadgetCodes(PageQueryBase):
    code: list[str] | None = None


@pytest.fixture
async def app(settings: Settings, backend: services.Backend) -> AsyncIterator[FastAPI]:
    async with started(make_app(settings), backend.name) as application:
        yield application


@pytest.fixture
def gadgets(app: FastAPI) -> CRUDBase[Gadget]:
    return CRUDBase(Gadget)


async def seed_gadgets(count: int, *, price_of: int | None = None) -> list[Gadget]:
    rows = [Gadget(name=f"Gadget {i:03d}", code=f"G{i:03d}", price=price_of if price_of is not None else i) for i in range(1, count + 1)]
    await Gadget.bulk_create(rows)
    return await Gadget.all().order_by("id")


# -- list: paging, order, keyset, projection, DISTINCT count -----------------------------


async def test_list_pages_with_total_and_stable_id_tiebreaker(gadgets: CRUDBase[Gadget]) -> None:
    rows = await seed_gadgets(25, price_of=7)
    total, page = await gadgets.list(page=2, page_size=10, order=["-price"])
    assert total == 25
    assert [g.id for g in page] == [g.id for g in rows[10:20]]  # equal prices: id keeps paging stable


async def test_list_orders_by_requested_fields(gadgets: CRUDBase[Gadget]) -> None:
    await seed_gadgets(5)
    _, page = await gadgets.list(page=1, page_size=3, order=["-price"])
    assert [g.price for g in page] == [5, 4, 3]


async def test_list_past_the_last_page_is_empty_but_counts(gadgets: CRUDBase[Gadget]) -> None:
    await seed_gadgets(3)
    assert await gadgets.list(page=5, page_size=10) == (3, [])


async def test_list_keyset_continues_after_last_id_both_directions(gadgets: CRUDBase[Gadget]) -> None:
    rows = await seed_gadgets(12)
    total, page = await gadgets.list(page_size=4, last_id=rows[3].id)
    assert total == 12
    assert [g.id for g in page] == [g.id for g in rows[4:8]]
    _, back = await gadgets.list(page_size=3, order=["-id"], last_id=rows[5].id)
    assert [g.id for g in back] == [rows[4].id, rows[3].id, rows[2].id]


async def test_list_fields_projection_loads_only_those_columns(gadgets: CRUDBase[Gadget]) -> None:
    await seed_gadgets(2)
    _, page = await gadgets.list(fields=["name"])
    assert page[0].to_dict(include_fields=["id", "name"])["name"] == "Gadget 001"
    with pytest.raises(ValueError, match="unknown fields"):
        await gadgets.list(fields=["nope"])


async def test_count_is_distinct_when_filtering_across_a_to_many_relation(gadgets: CRUDBase[Gadget]) -> None:
    one, two = await seed_gadgets(2)
    red, ruby = await Tag.create(label="red"), await Tag.create(label="ruby")
    await one.tags.add(red, ruby)
    await two.tags.add(red)
    search = Q(tags__label__startswith="r")
    total, page = await gadgets.list(search=search)
    assert total == 2
    assert sorted(g.id for g in page) == [one.id, two.id]
    assert await gadgets.count(search) == 2
    assert await gadgets.count(search, distinct=False) == 3  # the join really repeats a row


async def test_page_of_100_costs_count_plus_page_plus_one_prefetch(gadgets: CRUDBase[Gadget]) -> None:
    await seed_gadgets(120)
    tag = await Tag.create(label="x")
    for gadget in await Gadget.all().limit(100):
        await gadget.tags.add(tag)
    with capture_sql() as sql:
        total, page = await gadgets.list(page=1, page_size=100, prefetch_related=["tags"])
        records = [g.to_dict() | {"tags": [t.label for t in g.tags]} for g in page]
    assert total == 120 and len(records) == 100
    assert len(sql.statements) <= 4  # count, page, prefetch (through + targets) — never one per row


@pytest.mark.parametrize(
    ("rows", "page", "size", "total", "length", "counts"),
    [
        (0, 1, 10, 0, 0, False),  # empty table: the short first page is the whole answer
        (7, 1, 10, 7, 7, False),  # everything fits on the first page
        (23, 3, 10, 23, 3, False),  # a short last page: total = offset + rows
        (20, 2, 10, 20, 10, False),  # a full last page: the extra row it asked for did not come
        (20, 1, 10, 20, 10, True),  # a full first page
        (5, 3, 10, 5, 0, True),  # past the end: empty page, the total still comes from a COUNT
    ],
)
async def test_list_counts_only_when_the_page_cannot_tell_the_total(
    gadgets: CRUDBase[Gadget], rows: int, page: int, size: int, total: int, length: int, counts: bool
) -> None:
    await seed_gadgets(rows)
    with capture_sql() as sql:
        got_total, got = await gadgets.list(page=page, page_size=size)
    assert (got_total, len(got)) == (total, length)
    assert any("COUNT" in statement.upper() for statement in sql.statements) is counts
    assert len(sql.statements) == (2 if counts else 1)


# -- orderBy whitelist ---------------------------------------------------------------------


def test_default_sortable_fields_are_columns_minus_secret_and_json(app: FastAPI) -> None:
    sortable = default_sortable_fields(Gadget)
    assert {"id", "name", "code", "price", "status_type", "created_at", "updated_by"} <= sortable
    assert not {"password", "api_token_hash", "extra", "tags"} & sortable


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("nope", "orderBy: nope is not sortable"),
        ("-password", "orderBy: password is not sortable"),
        ("api_token_hash", "orderBy: api_token_hash is not sortable"),
        ("extra", "orderBy: extra is not sortable"),
        ("tags", "orderBy: tags is not sortable"),
        ("id; DROP TABLE t_gadgets", "orderBy: invalid field name"),
        ("name DESC", "orderBy: invalid field name"),
        ("tags__label", "orderBy: tags__label is not sortable"),
        ("(select 1)", "orderBy: invalid field name"),
    ],
)
async def test_order_outside_the_whitelist_is_1200_and_never_reaches_sql(gadgets: CRUDBase[Gadget], item: str, message: str) -> None:
    await seed_gadgets(1)
    with capture_sql() as sql, pytest.raises(BizError) as raised:
        await gadgets.list(order=["name", item])
    assert (raised.value.code, raised.value.msg) == (Code.REQUEST_VALIDATION, message)
    assert raised.value.data == {"errors": [{"field": "orderBy", "message": message, "type": "not_sortable"}]}
    assert sql.statements == []


async def test_sortable_override_narrows_the_whitelist_but_never_admits_secrets(app: FastAPI) -> None:
    crud = CRUDBase(Gadget, sortable_fields=["name", "password"])
    assert crud.order_for(["-name"]) == ["-name", "id"]
    for item in ("password", "price"):
        with pytest.raises(BizError) as raised:
            crud.order_for([item])
        assert raised.value.code == Code.REQUEST_VALIDATION


# -- build_search ------------------------------------------------------------------------


async def test_build_search_categories_against_the_database(gadgets: CRUDBase[Gadget]) -> None:
    await seed_gadgets(6)
    await Gadget.filter(code="G002").update(status_type="2")

    async def codes(body: PageQueryBase, **categories: list[str]) -> list[str]:
        _, page = await gadgets.list(page_size=50, search=build_search(body, **categories))  # type: ignore[arg-type]
        return [g.code for g in page]

    assert await codes(GadgetSearch(name="dget 00"), contains=["name"]) == ["G001", "G002", "G003", "G004", "G005", "G006"]
    assert await codes(GadgetSearch(name="GADGET 003"), icontains=["name"]) == ["G003"]
    assert await codes(GadgetSearch(code="G004"), exact=["code"]) == ["G004"]
    assert await codes(GadgetSearch(code="g005"), iexact=["code"]) == ["G005"]
    assert await codes(GadgetCodes(code=["G001", "G006"]), in_=["code"]) == ["G001", "G006"]
    assert await codes(GadgetSearch(price_start=2, price_end=4), range_=["price"]) == ["G002", "G003", "G004"]
    assert await codes(GadgetSearch(status_type="2", price_end=3), exact=["status_type"], range_=["price"]) == ["G002"]


async def test_contains_is_case_sensitive_and_icontains_is_not(gadgets: CRUDBase[Gadget]) -> None:
    await seed_gadgets(2)
    _, page = await gadgets.list(search=build_search(GadgetSearch(name="GADGET"), contains=["name"]))
    assert page == []
    total, _ = await gadgets.list(search=build_search(GadgetSearch(name="GADGET"), icontains=["name"]))
    assert total == 2


def filters_of(query: Q) -> dict[str, object]:
    """Every leaf filter of ``query`` (flattened; enough to see what was asked for)."""
    out = dict(query.filters)
    for child in query.children:
        out |= filters_of(child)
    return out


def test_build_search_skips_unset_none_and_empty_values() -> None:
    body = GadgetSearch(name="", code=None, status_type="1")
    query = build_search(body, contains=["name"], exact=["code", "status_type"], range_=["price"])
    assert filters_of(query) == {"status_type": "1"}
    assert filters_of(build_search(GadgetCodes(code=[]), in_=["code"])) == {}
    assert filters_of(build_search(GadgetSearch(), contains=["name"])) == {}
    assert filters_of(build_search(None, contains=["name"])) == {}


def test_build_search_reads_camel_case_dicts_and_honours_include_exclude() -> None:
    query = build_search(
        {"userName": "ann", "nickName": "A", "statusType": None}, contains=["user_name", "nick_name"], exclude=["nick_name"]
    )
    assert filters_of(query) == {"user_name__contains": "ann"}
    only = build_search({"user_name": "ann", "nick_name": "A"}, contains=["user_name", "nick_name"], include=["nick_name"])
    assert filters_of(only) == {"nick_name__contains": "A"}


def test_build_search_ands_initial_and_extra() -> None:
    query = build_search({"name": "x"}, contains=["name"], initial=Q(price__gt=1), extra=Q(code="A") | Q(code="B"))
    assert query.join_type == "AND"
    assert filters_of(query) == {"price__gt": 1, "name__contains": "x", "code": "B"}  # the OR's two branches merge here
    or_branch = query.children[-1]
    assert or_branch.join_type == "OR"


# -- writes ------------------------------------------------------------------------------


async def test_create_drops_none_and_unset_and_records_the_creator(gadgets: CRUDBase[Gadget]) -> None:
    class GadgetCreate(GadgetSearch):
        pass

    with acting_as("alice"):
        created = await gadgets.create(GadgetCreate(name="Lamp", code="L1", status_type=None))
    row = await Gadget.get(id=created.id)
    assert (row.name, row.code, row.status_type, row.created_by, row.updated_by) == ("Lamp", "L1", "1", "alice", None)


async def test_update_in_place_with_schema_or_dict_and_records_the_updater(gadgets: CRUDBase[Gadget]) -> None:
    (row,) = await seed_gadgets(1)
    await Gadget.filter(id=row.id).update(api_token_hash="h")
    before = (await Gadget.get(id=row.id)).updated_at
    with acting_as("bob"):
        await gadgets.update(row.id, GadgetSearch(name="Renamed", code=None))
        updated = await gadgets.update(row.id, {"api_token_hash": None, "price": 99})
    fresh = await Gadget.get(id=row.id)
    assert (fresh.name, fresh.code, fresh.price, fresh.api_token_hash, fresh.updated_by) == ("Renamed", "G001", 99, None, "bob")
    assert updated.price == 99 and fresh.updated_at >= before


async def test_update_and_remove_of_a_missing_id_are_1101(gadgets: CRUDBase[Gadget]) -> None:
    for call in (gadgets.update(404, {"name": "x"}), gadgets.remove(404), gadgets.get(404)):
        with pytest.raises(BizError) as raised:
            await call
        assert raised.value.code == Code.NOT_FOUND
    assert await gadgets.get_or_none(404) is None


async def test_batch_create_update_and_update_by_filter(gadgets: CRUDBase[Gadget]) -> None:
    with acting_as("carol"):
        made = await gadgets.batch_create([{"name": "A", "code": "A"}, GadgetSearch(name="B", code="B")])
        assert all(g.id for g in made) and [g.created_by for g in made] == ["carol", "carol"]
        assert await gadgets.batch_update([made[0].id, 9999], {"price": 5}) == 1
        assert await gadgets.update_by_filter(Q(code="B"), {"price": 6}) == 1
    rows = await Gadget.all().order_by("id").values_list("code", "price", "updated_by")
    assert [tuple(r) for r in rows] == [("A", 5, "carol"), ("B", 6, "carol")]
    assert await gadgets.exists(code="A") and not await gadgets.exists(code="Z")


async def test_remove_batch_remove_and_remove_by_filter(gadgets: CRUDBase[Gadget]) -> None:
    rows = await seed_gadgets(5)
    assert await gadgets.remove(rows[0].id) == rows[0].id
    assert await gadgets.batch_remove([rows[2].id, rows[1].id, 424242]) == [rows[1].id, rows[2].id]
    assert await gadgets.batch_remove([424242]) == []
    assert await gadgets.remove_by_filter(Q(code="G004")) == 1
    assert await Gadget.all().values_list("code", flat=True) == ["G005"]


# -- soft delete -------------------------------------------------------------------------


async def test_soft_remove_hides_from_default_queries_but_not_all_objects(app: FastAPI) -> None:
    notes = CRUDBase(Note)
    keep, gone = await Note.create(title="keep"), await Note.create(title="gone")
    started_at = datetime.now(UTC) - timedelta(seconds=5)
    with acting_as("dave"):
        assert await notes.soft_remove(gone.id) == gone.id
    assert [n.id for n in await Note.all()] == [keep.id]
    assert await notes.count() == 1 and (await notes.list())[0] == 1
    hidden = await Note.all_objects.get(id=gone.id)
    assert hidden.deleted_at is not None and hidden.deleted_at >= started_at and hidden.updated_by == "dave"
    with pytest.raises(BizError) as raised:
        await notes.soft_remove(gone.id)
    assert raised.value.code == Code.NOT_FOUND


async def test_soft_batch_remove_counts_only_visible_rows(app: FastAPI) -> None:
    notes = CRUDBase(Note)
    a, b, c = [await Note.create(title=t) for t in "abc"]
    await notes.soft_remove(a.id)
    assert await notes.soft_batch_remove([a.id, b.id, 9999]) == 1
    assert [n.id for n in await Note.all()] == [c.id]
    assert await Note.all_objects.all().count() == 3


async def test_soft_remove_refuses_models_without_the_mixin(gadgets: CRUDBase[Gadget]) -> None:
    with pytest.raises(TypeError):
        await gadgets.soft_remove(1)


# -- trees -------------------------------------------------------------------------------


async def make_tree() -> dict[str, Node]:
    root = await Node.create(label="root", order=2)
    other = await Node.create(label="other", order=1)
    child_b = await Node.create(label="b", parent_id=root.id, order=2, level=2)
    child_a = await Node.create(label="a", parent_id=root.id, order=1, level=2)
    leaf = await Node.create(label="leaf", parent_id=child_a.id, level=3)
    return {"root": root, "other": other, "a": child_a, "b": child_b, "leaf": leaf}


async def test_get_tree_nests_children_in_order_under_roots_with_parent_0(app: FastAPI) -> None:
    await make_tree()
    tree = await CRUDBase(Node).get_tree()
    assert [n["label"] for n in tree] == ["other", "root"]
    assert all(n["parentId"] == 0 for n in tree)
    root = tree[1]
    assert [c["label"] for c in root["children"]] == ["a", "b"]
    assert all(c["parentId"] == root["id"] for c in root["children"])
    assert root["children"][0]["children"][0]["label"] == "leaf"
    assert "children" not in tree[0]


async def test_get_tree_survives_cycles_and_uses_transform(app: FastAPI) -> None:
    nodes = await make_tree()
    loop_a = await Node.create(label="loop-a")
    loop_b = await Node.create(label="loop-b", parent_id=loop_a.id)
    await Node.filter(id=loop_a.id).update(parent_id=loop_b.id)
    await Node.filter(id=nodes["other"].id).update(parent_id=nodes["other"].id)
    tree = await CRUDBase(Node).get_tree(transform=lambda n: {"label": n.label})
    assert tree == [{"label": "root", "children": [{"label": "a", "children": [{"label": "leaf"}]}, {"label": "b"}]}]


async def test_get_children_direct_and_recursive(app: FastAPI) -> None:
    nodes = await make_tree()
    crud = CRUDBase(Node)
    assert [n.label for n in await crud.get_children(nodes["root"].id)] == ["a", "b"]
    assert [n.label for n in await crud.get_children(nodes["root"].id, recursive=True)] == ["a", "b", "leaf"]
    assert [n.label for n in await crud.get_children(0)] == ["other", "root"]
