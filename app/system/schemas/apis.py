"""API-catalogue request bodies (api.md §3.4)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.core.model import MethodType, StatusType
from app.core.schema import PageQueryBase, SchemaBase
from app.system.schemas.common import BlankNone, Text500


class ApiSearch(PageQueryBase):
    """Substring path and summary, exact method and status, any-of tags; ``includeSystem=false`` keeps business APIs only."""

    api_path: Text500 = None
    api_method: Annotated[MethodType | None, BlankNone] = None
    summary: Text500 = None
    status_type: Annotated[StatusType | None, BlankNone] = None
    tags: list[Annotated[str, Field(max_length=100)]] | None = Field(default=None, max_length=50)
    include_system: bool = True


class ApiStatusUpdate(SchemaBase):
    """Enable or disable an API for every non-super role."""

    status_type: StatusType
