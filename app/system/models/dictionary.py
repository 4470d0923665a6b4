"""Key/value dictionaries that feed the frontend's option lists."""

from __future__ import annotations

from tortoise import fields

from app.core.model import AuditMixin, BaseModel, StatusType


class Dictionary(BaseModel, AuditMixin):
    dict_type = fields.CharField(max_length=100, db_index=True)
    label = fields.CharField(max_length=100)
    value = fields.CharField(max_length=100)
    order = fields.IntField(default=0)
    status = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable)
    remark = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "sys_dictionary"
        unique_together = (("dict_type", "value"),)
        ordering = ("dict_type", "order", "id")
