"""Records serialise by one rule set (spec data.md §4); soft-deleted rows stay hidden by default."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from tortoise.exceptions import DoesNotExist

from app import create_app
from app.core.config import Settings
from app.core.database import SYSTEM_CONNECTION, OrmApp
from app.core.model import (
    BaseModel,
    SoftDeleteManager,
    configure_serialization,
    datetime_to_ms,
    format_datetime,
    install_soft_delete_managers,
    serialize_value,
)
from app.core.sqids import encode_id
from tests import services
from tests.conftest import reset_database
from tests.core.models_for_tests import Category, Folder, Gadget, Note, Tag

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
WHEN_MS = 1704164645000


@pytest.fixture
async def app(settings_factory: Callable[..., Settings], backend: services.Backend) -> AsyncIterator[FastAPI]:
    """The production app plus the ``app_coretest`` models, started on empty tables."""
    settings = settings_factory()
    test_models = OrmApp("app_coretest", SYSTEM_CONNECTION, settings.db_url, ("tests.core.models_for_tests",))
    application = create_app(settings, extra_orm_apps=[test_models])
    await reset_database(application, backend.name)
    async with application.router.lifespan_context(application):
        yield application


async def make_gadget(**values: object) -> Gadget:
    category = await Category.create(name="tools")
    defaults: dict[str, object] = {
        "name": "hammer",
        "price": Decimal("12.50"),
        "token": UUID("12345678-1234-5678-1234-567812345678"),
        "last_seen": WHEN,
        "born_on": date(2020, 5, 6),
        "is_public": True,
        "extra": {"k": [1, 2]},
        "category": category,
    }
    defaults.update(values)
    created = await Gadget.create(**defaults)
    return await Gadget.get(id=created.id)  # read back: the driver's types, not ours


async def test_to_dict_follows_the_serialisation_rules(app: FastAPI) -> None:
    gadget = await make_gadget()
    data = gadget.to_dict()
    assert data["id"] == encode_id(gadget.id) and isinstance(data["id"], str)
    assert data["categoryId"] == encode_id(gadget.category_id)  # type: ignore[arg-type]
    assert data["ownerId"] == 0
    assert data["name"] == "hammer"
    assert data["price"] == 12.5 and isinstance(data["price"], float)
    assert data["statusType"] == "1"
    assert data["token"] == "12345678-1234-5678-1234-567812345678"
    assert data["lastSeen"] == WHEN_MS
    assert data["fmtLastSeen"] == "2024-01-02 03:04:05"
    assert data["bornOn"] == "2020-05-06"
    assert data["isPublic"] is True
    assert data["extra"] == {"k": [1, 2]}
    assert isinstance(data["createdAt"], int) and isinstance(data["fmtCreatedAt"], str)
    assert data["createdBy"] is None
    assert "category" not in data and "tags" not in data, "relations are not columns"
    assert all("_" not in key for key in data), "keys are camelCase"


async def test_to_dict_matches_the_per_column_rule_for_read_back_and_unsaved_rows(app: FastAPI) -> None:
    """The shortcut for plain strings, integers and nulls changes no output (ids and enums included)."""
    read_back = await make_gadget()
    unsaved = Gadget(name="saw", price=Decimal("1.5"), owner_id=7, last_seen=WHEN, is_public=False, extra=[1])
    for row in (read_back, unsaved):
        expected: dict[str, object] = {}
        for name, camel, _ in type(row).column_names():
            serialize_value(name, getattr(row, name), expected, camel)
        assert row.to_dict() == expected
    assert unsaved.to_dict()["ownerId"] == encode_id(7)


async def test_null_stays_null_and_has_no_fmt_twin(app: FastAPI) -> None:
    gadget = await make_gadget(last_seen=None, price=None, token=None, category=None)
    data = gadget.to_dict()
    assert data["lastSeen"] is None and "fmtLastSeen" not in data
    assert data["price"] is None and data["token"] is None and data["categoryId"] is None


async def test_include_and_exclude_take_snake_case_names(app: FastAPI) -> None:
    gadget = await make_gadget()
    assert set(gadget.to_dict(include_fields=["id", "owner_id", "last_seen"])) == {"id", "ownerId", "lastSeen", "fmtLastSeen"}
    excluded = gadget.to_dict(exclude_fields=["last_seen", "price"])
    assert "lastSeen" not in excluded and "fmtLastSeen" not in excluded and "price" not in excluded
    assert "name" in excluded


async def test_to_dict_with_m2m_adds_the_related_ids_as_sqids(app: FastAPI) -> None:
    gadget = await make_gadget()
    tags = [await Tag.create(name=n) for n in ("a", "b")]
    await gadget.tags.add(*tags)
    data = await gadget.to_dict_with_m2m(["tags"], include_fields=["id"])
    assert data["id"] == encode_id(gadget.id)
    assert sorted(data["tags"]) == sorted(encode_id(t.id) for t in tags)
    assert (await (await make_gadget()).to_dict_with_m2m(["tags"]))["tags"] == []


async def test_tree_roots_keep_parent_zero(app: FastAPI) -> None:
    root = await Folder.create(name="root")
    child = await Folder.create(name="child", parent_id=root.id, level=2)
    assert root.to_dict()["parentId"] == 0
    assert child.to_dict()["parentId"] == encode_id(root.id)
    assert (root.level, root.order) == (1, 0)


async def test_soft_deleted_rows_are_hidden_by_default_and_shown_by_all_objects(app: FastAPI) -> None:
    kept = await Note.create(text="kept")
    gone = await Note.create(text="gone")
    await Note.filter(id=gone.id).update(deleted_at=datetime.now(UTC))
    assert [n.id for n in await Note.all()] == [kept.id]
    assert await Note.filter(text="gone").count() == 0
    assert await Note.get_or_none(id=gone.id) is None
    with pytest.raises(DoesNotExist):
        await Note.get(id=gone.id)
    assert sorted(n.id for n in await Note.all_objects.all()) == sorted([kept.id, gone.id])
    assert (await Note.all_objects.get(id=gone.id)).deleted_at is not None


def test_install_soft_delete_managers_only_touches_soft_delete_models() -> None:
    install_soft_delete_managers([Note, Gadget])
    assert isinstance(Note._meta.manager, SoftDeleteManager)
    assert not isinstance(Gadget._meta.manager, SoftDeleteManager)
    manager = Note._meta.manager
    install_soft_delete_managers([Note])
    assert Note._meta.manager is manager, "installing twice keeps the first manager"


def test_datetime_helpers_read_naive_values_as_utc_and_format_in_the_configured_zone() -> None:
    assert datetime_to_ms(WHEN) == WHEN_MS
    assert datetime_to_ms(WHEN.replace(tzinfo=None)) == WHEN_MS
    assert datetime_to_ms(WHEN.astimezone(UTC) + timedelta(milliseconds=7)) == WHEN_MS + 7
    try:
        configure_serialization("%Y/%m/%d %H:%M", "Asia/Shanghai")
        assert format_datetime(WHEN) == "2024/01/02 11:04"
    finally:
        configure_serialization("%Y-%m-%d %H:%M:%S", "UTC")
    assert format_datetime(WHEN) == "2024-01-02 03:04:05"


@settings(max_examples=300, deadline=None)
@given(
    value=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.sampled_from([UTC, None])),
    zone=st.sampled_from(["UTC", "Asia/Shanghai", "America/St_Johns"]),
)
def test_the_default_format_renders_exactly_as_strftime(value: datetime, zone: str) -> None:
    """The isoformat shortcut for the default DATETIME_FORMAT (microseconds dropped, any year, any zone)."""
    try:
        configure_serialization("%Y-%m-%d %H:%M:%S", zone)
        expected = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
        assert format_datetime(value) == expected
    finally:
        configure_serialization("%Y-%m-%d %H:%M:%S", "UTC")


def test_base_model_is_abstract_with_an_integer_primary_key() -> None:
    assert BaseModel._meta.abstract
    assert Gadget._meta.pk_attr == "id"
