"""Model base classes, mixins and the shared enums.

``to_dict`` is the one serialiser of records: camelCase keys, datetimes as
ms epoch plus a formatted ``fmt*`` twin, ids as sqids (0 stays 0).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise import fields
from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.core.ctx import CTX_USER_NAME
from app.core.schema import to_camel
from app.core.sqids import encode_id


class StatusType(StrEnum):
    all = "0"
    enable = "1"
    disable = "2"
    invalid = "3"


class GenderType(StrEnum):
    male = "1"
    female = "2"
    unknow = "3"


class MenuType(StrEnum):
    catalog = "1"
    menu = "2"


class IconType(StrEnum):
    iconify = "1"
    local = "2"


class MethodType(StrEnum):
    get = "get"
    post = "post"
    put = "put"
    patch = "patch"
    delete = "delete"


class DataScopeType(StrEnum):
    all = "all"
    scope = "scope"
    self_ = "self"
    custom = "custom"


#: The default ``DATETIME_FORMAT``; isoformat renders it ~5x faster than strftime (years 1000-9999).
_DEFAULT_FORMAT = "%Y-%m-%d %H:%M:%S"


class _Serialization:
    datetime_format = _DEFAULT_FORMAT
    timezone: ZoneInfo = ZoneInfo("UTC")


def configure_serialization(datetime_format: str, timezone: str) -> None:
    """Set how ``to_dict`` formats ``fmt*`` fields; called by ``create_app``."""
    _Serialization.datetime_format = datetime_format
    _Serialization.timezone = ZoneInfo(timezone)


def datetime_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def format_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(_Serialization.timezone)
    if _Serialization.datetime_format == _DEFAULT_FORMAT and local.year >= 1000:
        return local.replace(tzinfo=None).isoformat(" ", "seconds")
    return local.strftime(_Serialization.datetime_format)


def is_id_column(key: str) -> bool:
    """Columns whose integers are public ids (rendered as sqids)."""
    return key == "id" or key.endswith("_id")


def serialize_value(key: str, value: Any, out: dict[str, Any], camel: str) -> None:
    """Write one column into ``out`` following the serialisation rules."""
    if value is None:
        out[camel] = None
    elif isinstance(value, datetime):
        out[camel] = datetime_to_ms(value)
        out["fmt" + camel[0].upper() + camel[1:]] = format_datetime(value)
    elif isinstance(value, bool):
        out[camel] = value
    elif isinstance(value, int) and is_id_column(key):
        out[camel] = encode_id(value)
    elif isinstance(value, Enum):
        out[camel] = value.value
    elif isinstance(value, Decimal):
        out[camel] = float(value)
    elif isinstance(value, UUID):
        out[camel] = str(value)
    elif isinstance(value, date):
        out[camel] = value.isoformat()
    else:
        out[camel] = value


class _AllObjects:
    """``Model.all_objects``: a queryset that bypasses the default manager."""

    def __get__(self, instance: Any, owner: type[Model]) -> QuerySet[Any]:
        return QuerySet(owner)


class BaseModel(Model):
    """Base of every Trellis model: integer PK and ``to_dict``."""

    id = fields.IntField(primary_key=True)

    _columns_cache: ClassVar[dict[type, list[tuple[str, str, bool]]]] = {}

    class Meta:
        abstract = True

    @classmethod
    def column_names(cls) -> list[tuple[str, str, bool]]:
        """(attribute, camelKey, is an id column) of every DB column, FKs as ``<name>_id``; computed once per model."""
        cached = BaseModel._columns_cache.get(cls)
        if cached is None:
            cached = [(name, to_camel(name), is_id_column(name)) for name in cls._meta.fields_db_projection]
            BaseModel._columns_cache[cls] = cached
        return cached

    def to_dict(
        self,
        include_fields: list[str] | None = None,
        exclude_fields: list[str] | None = None,
    ) -> dict[str, Any]:
        """camelCase dump of the columns (see module docstring)."""
        out: dict[str, Any] = {}
        include = set(include_fields) if include_fields else None
        exclude = set(exclude_fields) if exclude_fields else None
        for name, camel, is_id in self.column_names():
            if include is not None and name not in include:
                continue
            if exclude is not None and name in exclude:
                continue
            value = getattr(self, name)
            kind = type(value)
            # Plain strings, non-id integers and nulls are most columns of most rows: no call for them.
            if value is None or kind is str or (kind is int and not is_id):
                out[camel] = value
            else:
                serialize_value(name, value, out, camel)
        return out

    async def to_dict_with_m2m(
        self,
        m2m_fields: list[str],
        include_fields: list[str] | None = None,
        exclude_fields: list[str] | None = None,
    ) -> dict[str, Any]:
        """``to_dict`` plus the ids (as sqids) of the named many-to-many relations."""
        out = self.to_dict(include_fields, exclude_fields)
        for name in m2m_fields:
            related = await getattr(self, name).all().values_list("id", flat=True)
            out[to_camel(name)] = [encode_id(int(pk)) for pk in related]
        return out


def current_actor() -> str | None:
    """User name recorded in audit columns (None outside a request)."""
    return CTX_USER_NAME.get()


class AuditMixin:
    """created/updated by/at; ``CRUDBase`` fills the ``*_by`` columns from the current user."""

    created_by = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_by = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField(auto_now=True)


class TreeMixin:
    """Adjacency-list tree: ``parent_id`` 0 is a root, ``level`` 1 is a root."""

    parent_id = fields.IntField(default=0, db_index=True)
    order = fields.IntField(default=0)
    level = fields.IntField(default=1)


class SoftDeleteManager(Manager):
    """Default manager of soft-deletable models: hides rows with ``deleted_at`` set."""

    def get_queryset(self) -> QuerySet[Any]:
        return QuerySet(self._model).filter(deleted_at__isnull=True)


class SoftDeleteMixin:
    """Nullable ``deleted_at``; default queries hide deleted rows, ``all_objects`` shows them.

    ``install_soft_delete_managers`` (run at start-up) gives every model with
    this mixin the hiding manager, so forgetting ``Meta.manager`` cannot leak
    deleted rows.
    """

    deleted_at = fields.DatetimeField(null=True, db_index=True)
    all_objects = _AllObjects()


def install_soft_delete_managers(models: list[type[Model]]) -> None:
    for model in models:
        if issubclass(model, SoftDeleteMixin) and not isinstance(model._meta.manager, SoftDeleteManager):
            manager = SoftDeleteManager(model=model)
            model._meta.manager = manager
