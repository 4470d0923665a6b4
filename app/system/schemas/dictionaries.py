"""Dictionary request bodies: rows are unique by (dictType, value)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.core.model import StatusType
from app.core.schema import PageQueryBase, SchemaBase
from app.core.types import Int32
from app.system.schemas.common import BlankNone, Text100, Text500

DictType = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]


class DictionaryCreate(SchemaBase):
    """POST body."""

    dict_type: DictType
    label: str = Field(min_length=1, max_length=100)
    value: str = Field(min_length=1, max_length=100)
    order: Int32 = 0
    status: StatusType = StatusType.enable
    remark: Text500 = None


class DictionaryUpdate(SchemaBase):
    """PATCH body: absent or null keys are left unchanged, except ``remark`` which null clears."""

    dict_type: DictType | None = None
    label: Text100 = None
    value: Text100 = None
    order: Int32 | None = None
    status: Annotated[StatusType | None, BlankNone] = None
    remark: Text500 = None


class DictionarySearch(PageQueryBase):
    """Exact type and status, substring label and value."""

    dict_type: Text100 = None
    label: Text100 = None
    value: Text100 = None
    status: Annotated[StatusType | None, BlankNone] = None
