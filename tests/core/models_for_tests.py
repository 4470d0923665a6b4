"""Small models used only by the core model tests (Tortoise app ``app_coretest``)."""

from __future__ import annotations

from tortoise import fields

from app.core.model import AuditMixin, BaseModel, SoftDeleteMixin, StatusType, TreeMixin


class Category(BaseModel):
    name = fields.CharField(max_length=50)

    class Meta:
        table = "coretest_categories"


class Tag(BaseModel):
    name = fields.CharField(max_length=50)

    class Meta:
        table = "coretest_tags"


class Gadget(BaseModel, AuditMixin):
    name = fields.CharField(max_length=50)
    price = fields.DecimalField(max_digits=10, decimal_places=2, null=True)
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable)
    token = fields.UUIDField(null=True)
    owner_id = fields.IntField(default=0)
    last_seen = fields.DatetimeField(null=True)
    born_on = fields.DateField(null=True)
    is_public = fields.BooleanField(default=False)
    extra = fields.JSONField(null=True)
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "app_coretest.Category", related_name="gadgets", null=True
    )
    tags: fields.ManyToManyRelation[Tag] = fields.ManyToManyField("app_coretest.Tag", related_name="gadgets", through="coretest_gadget_tag")

    class Meta:
        table = "coretest_gadgets"


class Note(BaseModel, SoftDeleteMixin):
    text = fields.CharField(max_length=50)

    class Meta:
        table = "coretest_notes"


class Folder(BaseModel, TreeMixin):
    name = fields.CharField(max_length=50)

    class Meta:
        table = "coretest_folders"
