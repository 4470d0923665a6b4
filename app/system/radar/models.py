"""Radar's tables (app ``app_radar`` on connection ``conn_radar``, separate from the main DB).

Queries and log entries point at their request by ``x_request_id`` rather than
a foreign key: rows are written in batches off the request path, and a child
row must not need its parent's primary key first.
"""

from __future__ import annotations

from tortoise import fields

from app.core.model import BaseModel


class RadarRequest(BaseModel):
    x_request_id = fields.CharField(max_length=64, unique=True)
    method = fields.CharField(max_length=10)
    path = fields.CharField(max_length=500, db_index=True)
    path_template = fields.CharField(max_length=500, null=True)
    client_ip = fields.CharField(max_length=45, null=True)
    client_port = fields.IntField(null=True)
    user_id = fields.IntField(null=True)
    user_name = fields.CharField(max_length=255, null=True)
    query_params = fields.TextField(null=True)
    request_headers: dict[str, str] | None = fields.JSONField(null=True)
    request_body = fields.TextField(null=True)
    response_status = fields.IntField(null=True)
    response_headers: dict[str, str] | None = fields.JSONField(null=True)
    response_body = fields.TextField(null=True)
    #: Set instead of ``response_body`` when the body is stored once in ``radar_bodies`` (app.system.radar.bodies).
    response_body_ref = fields.CharField(max_length=32, null=True)
    business_code = fields.CharField(max_length=16, null=True)
    duration_ms = fields.FloatField(null=True)
    error_type = fields.CharField(max_length=200, null=True)
    error_message = fields.TextField(null=True)
    error_traceback = fields.TextField(null=True)
    resolved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "radar_requests"
        app = "app_radar"


class RadarBody(BaseModel):
    """A response body stored once for every request that answered it.

    ``last_seen`` is refreshed by every batch that refers to it, so pruning
    can drop bodies no kept request needs without an index on the reference.
    """

    digest = fields.CharField(max_length=32, unique=True)
    text = fields.TextField()
    last_seen = fields.DatetimeField(db_index=True)

    class Meta:
        table = "radar_bodies"
        app = "app_radar"


class RadarQuery(BaseModel):
    x_request_id = fields.CharField(max_length=64, db_index=True)
    sql_text = fields.TextField()
    params = fields.TextField(null=True)
    operation = fields.CharField(max_length=20)
    duration_ms = fields.FloatField(db_index=True)
    connection_name = fields.CharField(max_length=100)
    start_offset_ms = fields.FloatField(default=0)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "radar_queries"
        app = "app_radar"


class RadarUserLog(BaseModel):
    x_request_id = fields.CharField(max_length=64, null=True, db_index=True)
    level = fields.CharField(max_length=10, default="INFO")
    message = fields.TextField()
    data = fields.TextField(null=True)
    source = fields.CharField(max_length=200, null=True)
    offset_ms = fields.FloatField(default=0)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "radar_user_logs"
        app = "app_radar"


__all__ = ["RadarBody", "RadarQuery", "RadarRequest", "RadarUserLog"]
