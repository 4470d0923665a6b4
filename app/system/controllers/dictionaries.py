"""Dictionary rows and the option lists built from them."""

from __future__ import annotations

from app.core.crud import CRUDBase
from app.core.model import StatusType
from app.system.controllers._links import exists_other
from app.system.models import Dictionary

DICTIONARY_SORTABLE = ("id", "dict_type", "label", "value", "order", "status", "created_at", "updated_at")


class DictionaryController(CRUDBase[Dictionary]):
    def __init__(self) -> None:
        super().__init__(Dictionary, sortable_fields=DICTIONARY_SORTABLE)

    async def taken(self, dict_type: str, value: str, exclude_id: int | None = None) -> bool:
        return await exists_other(Dictionary, exclude_id, dict_type=dict_type, value=value)

    async def options(self, dict_type: str) -> list[dict[str, str]]:
        """Enabled rows of one type as ``[{label, value}]`` ordered by order, id."""
        rows = await Dictionary.filter(dict_type=dict_type, status=StatusType.enable).order_by("order", "id").values_list("label", "value")
        return [{"label": str(label), "value": str(value)} for label, value in rows]

    async def types_of(self, ids: list[int]) -> list[str]:
        return sorted({str(t) for t in await Dictionary.filter(id__in=ids).values_list("dict_type", flat=True)})


dictionary_controller = DictionaryController()
