"""Dictionary rows upserted by ``(dict_type, value)``."""

from __future__ import annotations

from app.core.model import StatusType
from app.system.models import Dictionary
from app.system.services.init_helper._upsert import upsert
from app.system.services.init_helper.types import DictionarySpec, Values


async def ensure_dictionary(spec: DictionarySpec, *, overwrite: bool = True) -> Dictionary:
    """Create or update one dictionary entry; ``label``, ``order``, ``status``, ``remark`` are its values."""
    values: Values = {"label": spec["label"], "order": spec.get("order", 0), "status": StatusType(spec.get("status", StatusType.enable))}
    if "remark" in spec:
        values["remark"] = spec["remark"]
    row, _ = await upsert(Dictionary, {"dict_type": spec["dict_type"], "value": spec["value"]}, values, overwrite=overwrite)
    return row
