"""API catalogue rows."""

from __future__ import annotations

from app.core.crud import CRUDBase
from app.system.models import Api

API_SORTABLE = ("id", "api_path", "api_method", "summary", "tags", "status_type", "is_system", "created_at", "updated_at")


class ApiController(CRUDBase[Api]):
    def __init__(self) -> None:
        super().__init__(Api, sortable_fields=API_SORTABLE)

    async def all_ordered(self) -> list[Api]:
        return await Api.all().order_by("tags", "id")


api_controller = ApiController()
