"""RBAC models: users, roles, menus, callable APIs and in-page buttons."""

from __future__ import annotations

from tortoise import fields

from app.core.model import AuditMixin, BaseModel, DataScopeType, GenderType, IconType, MenuType, MethodType, StatusType


class User(BaseModel, AuditMixin):
    user_name = fields.CharField(max_length=20, unique=True)
    password = fields.CharField(max_length=128)
    nick_name = fields.CharField(max_length=30, null=True, db_index=True)
    user_gender = fields.CharEnumField(GenderType, max_length=1, default=GenderType.unknow, db_index=True)
    user_email = fields.CharField(max_length=255, null=True, unique=True)
    user_phone = fields.CharField(max_length=20, null=True, db_index=True)
    last_login = fields.DatetimeField(null=True)
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable, db_index=True)
    token_version = fields.IntField(default=0)
    must_change_password = fields.BooleanField(default=False)

    by_user_roles: fields.ManyToManyRelation[Role] = fields.ManyToManyField(
        "app_system.Role", related_name="by_role_users", through="user_role"
    )

    class Meta:
        table = "users"


class Role(BaseModel, AuditMixin):
    role_name = fields.CharField(max_length=20, unique=True)
    role_code = fields.CharField(max_length=20, unique=True)
    role_desc = fields.CharField(max_length=500, null=True)
    data_scope = fields.CharEnumField(DataScopeType, max_length=10, default=DataScopeType.all)
    by_role_home: fields.ForeignKeyRelation[Menu] = fields.ForeignKeyField(
        "app_system.Menu", related_name="by_home_roles", on_delete=fields.RESTRICT
    )
    by_role_home_id: int
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable, db_index=True)

    by_role_menus: fields.ManyToManyRelation[Menu] = fields.ManyToManyField(
        "app_system.Menu", related_name="by_menu_roles", through="role_menu"
    )
    by_role_apis: fields.ManyToManyRelation[Api] = fields.ManyToManyField("app_system.Api", related_name="by_api_roles", through="role_api")
    by_role_buttons: fields.ManyToManyRelation[Button] = fields.ManyToManyField(
        "app_system.Button", related_name="by_button_roles", through="role_button"
    )

    class Meta:
        table = "roles"


class Api(BaseModel, AuditMixin):
    api_path = fields.CharField(max_length=500, db_index=True)
    api_method = fields.CharEnumField(MethodType, max_length=6, db_index=True)
    summary = fields.CharField(max_length=500, null=True)
    tags = fields.CharField(max_length=500, null=True)
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable)
    is_system = fields.BooleanField(default=False)

    class Meta:
        table = "apis"
        unique_together = (("api_method", "api_path"),)


class Menu(BaseModel, AuditMixin):
    menu_name = fields.CharField(max_length=100)
    menu_type = fields.CharEnumField(MenuType, max_length=1)
    route_name = fields.CharField(max_length=100, unique=True)
    route_path = fields.CharField(max_length=200, unique=True)
    path_param = fields.CharField(max_length=200, null=True)
    route_param: fields.Field[list[dict[str, str]] | None] = fields.JSONField(null=True)
    order = fields.IntField(default=0)
    component = fields.CharField(max_length=100, null=True)
    parent_id = fields.IntField(default=0, db_index=True)
    i18n_key = fields.CharField(max_length=100, null=True)
    icon = fields.CharField(max_length=100, null=True)
    icon_type = fields.CharEnumField(IconType, max_length=1, null=True)
    href = fields.CharField(max_length=200, null=True)
    multi_tab = fields.BooleanField(default=False)
    keep_alive = fields.BooleanField(default=False)
    hide_in_menu = fields.BooleanField(default=False)
    active_menu: fields.ForeignKeyNullableRelation[Menu] = fields.ForeignKeyField(
        "app_system.Menu", related_name="by_active_menus", null=True, on_delete=fields.SET_NULL
    )
    active_menu_id: int | None
    fixed_index_in_tab = fields.IntField(null=True)
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable)
    redirect = fields.CharField(max_length=200, null=True)
    props = fields.BooleanField(default=False)
    constant = fields.BooleanField(default=False)

    by_menu_buttons: fields.ManyToManyRelation[Button] = fields.ManyToManyField(
        "app_system.Button", related_name="by_button_menus", through="menu_button"
    )

    class Meta:
        table = "menus"


class Button(BaseModel, AuditMixin):
    button_code = fields.CharField(max_length=200, unique=True)
    button_desc = fields.CharField(max_length=200)
    status_type = fields.CharEnumField(StatusType, max_length=1, default=StatusType.enable)

    class Meta:
        table = "buttons"
