"""Read side of Radar: the pages and aggregates the monitoring screens show.

Record dumps use the shared ``to_dict`` rules (camelCase, ms + ``fmt*``);
aggregates (stats, dashboard) are snake_case as the frontend expects.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from tortoise.expressions import Q

from app.core.code import message_for
from app.system.radar.bodies import attach_bodies
from app.system.radar.models import RadarQuery, RadarRequest, RadarUserLog
from app.system.radar.writer import delete_before

#: Where a shared body is stored is the store's business, not the API's (``attach_bodies`` put the text back).
_DETAIL_EXCLUDE = ["response_body_ref"]
_LIST_EXCLUDE = [*_DETAIL_EXCLUDE, "request_headers", "response_headers", "request_body", "response_body", "error_traceback"]


def _business_msg(row: RadarRequest) -> str | None:
    if row.response_body:
        try:
            body = orjson.loads(row.response_body)
            if isinstance(body, dict) and isinstance(body.get("msg"), str):
                return str(body["msg"])
        except orjson.JSONDecodeError:
            pass
    return message_for(row.business_code) if row.business_code else None


def dump_request(row: RadarRequest, *, full: bool = False) -> dict[str, Any]:
    out = row.to_dict(exclude_fields=_DETAIL_EXCLUDE if full else _LIST_EXCLUDE)
    out["businessMsg"] = _business_msg(row)
    return out


def page_of(total: int, page: int, size: int, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total": total, "current": page, "size": size, "records": records}


async def list_requests(
    page: int, size: int, *, path_filter: str | None, code_filter: str | None, min_duration: float | None, has_error: bool | None
) -> dict[str, Any]:
    qs = RadarRequest.all()
    if path_filter:
        qs = qs.filter(path__icontains=path_filter)
    if code_filter:
        qs = qs.filter(business_code=code_filter)
    if min_duration is not None:
        qs = qs.filter(duration_ms__gte=min_duration)
    if has_error is not None:
        qs = qs.filter(error_type__isnull=not has_error)
    total = await qs.count()
    rows = await qs.order_by("-created_at", "-id").offset((page - 1) * size).limit(size)
    await attach_bodies(rows)  # each row's businessMsg is read from its body
    return page_of(total, page, size, [dump_request(r) for r in rows])


async def request_detail(x_request_id: str) -> dict[str, Any] | None:
    row = await RadarRequest.get_or_none(x_request_id=x_request_id)
    if row is None:
        return None
    await attach_bodies([row])
    out = dump_request(row, full=True)
    queries = await RadarQuery.filter(x_request_id=x_request_id).order_by("start_offset_ms", "id")
    logs = await RadarUserLog.filter(x_request_id=x_request_id).order_by("offset_ms", "id")
    out["queries"] = [q.to_dict() for q in queries]
    out["user_logs"] = [lg.to_dict() for lg in logs]
    return out


async def list_queries(page: int, size: int, slow_only: bool, threshold_ms: float) -> dict[str, Any]:
    qs = RadarQuery.all()
    if slow_only:
        qs = qs.filter(duration_ms__gte=threshold_ms)
    total = await qs.count()
    rows = await qs.order_by("-duration_ms", "-id").offset((page - 1) * size).limit(size)
    parents = {r.x_request_id: r for r in await RadarRequest.filter(x_request_id__in={q.x_request_id for q in rows})}
    records = []
    for q in rows:
        item = q.to_dict()
        parent = parents.get(q.x_request_id)
        item["requestPath"] = parent.path if parent else None
        item["requestMethod"] = parent.method if parent else None
        records.append(item)
    return page_of(total, page, size, records)


_EXCEPTION_FIELDS = [
    "x_request_id",
    "method",
    "path",
    "error_type",
    "error_message",
    "error_traceback",
    "duration_ms",
    "resolved",
    "created_at",
]


async def list_exceptions(page: int, size: int, path_filter: str | None, error_type: str | None, resolved: bool | None) -> dict[str, Any]:
    qs = RadarRequest.filter(error_type__isnull=False)
    if path_filter:
        qs = qs.filter(path__icontains=path_filter)
    if error_type:
        qs = qs.filter(error_type__icontains=error_type)
    if resolved is not None:
        qs = qs.filter(resolved=resolved)
    total = await qs.count()
    rows = await qs.order_by("-created_at", "-id").offset((page - 1) * size).limit(size)
    return page_of(total, page, size, [r.to_dict(include_fields=_EXCEPTION_FIELDS) for r in rows])


async def resolve_exception(x_request_id: str, resolved: bool) -> bool:
    """Mark an error row (un)resolved; False when there is no such error row."""
    updated = await RadarRequest.filter(x_request_id=x_request_id, error_type__isnull=False).update(resolved=resolved)
    return bool(updated)


def _since(hours: int | None) -> datetime | None:
    return datetime.now(UTC) - timedelta(hours=hours) if hours else None


async def stats(hours: int | None, slow_ms: float) -> dict[str, Any]:
    since = _since(hours)
    req = RadarRequest.filter(created_at__gte=since) if since else RadarRequest.all()
    qry = RadarQuery.filter(created_at__gte=since) if since else RadarQuery.all()
    logs = RadarUserLog.filter(created_at__gte=since) if since else RadarUserLog.all()
    durations: list[float | None] = list(await req.values_list("duration_ms", flat=True))  # type: ignore[arg-type]
    count = len(durations)
    errors = await req.filter(Q(error_type__isnull=False) | Q(response_status__gte=500)).count()
    return {
        "request_count": count,
        "avg_duration_ms": round(sum(d or 0 for d in durations) / count, 2) if count else 0,
        "error_count": errors,
        "error_rate": round(errors * 100 / count, 2) if count else 0,
        "query_count": await qry.count(),
        "slow_query_count": await qry.filter(duration_ms__gte=slow_ms).count(),
        "user_log_count": await logs.count(),
    }


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0
    index = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return round(sorted_values[index], 2)


def bucket_minutes(hours: int) -> int:
    return 5 if hours <= 1 else 15 if hours <= 6 else 60 if hours <= 24 else 180


def _bucket(ts: datetime, minutes: int) -> str:
    ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    floored = ts.replace(minute=(ts.minute // minutes) * minutes if minutes < 60 else 0, second=0, microsecond=0)
    if minutes > 60:
        floored = floored.replace(hour=(floored.hour // (minutes // 60)) * (minutes // 60))
    return floored.strftime("%H:%M")


async def dashboard(hours: int, slow_ms: float) -> dict[str, Any]:
    since = _since(hours)
    rows = await RadarRequest.filter(created_at__gte=since).values_list(
        "duration_ms", "response_status", "business_code", "created_at", "path_template", "path"
    )
    queries = await RadarQuery.filter(created_at__gte=since).values_list("duration_ms", "created_at")
    total = len(rows)
    durations = sorted(r[0] or 0 for r in rows)
    minutes = bucket_minutes(hours)
    trend: dict[str, list[float]] = defaultdict(list)
    per_endpoint: dict[str, list[float]] = defaultdict(list)
    for duration, _status, _code, created, template, path in rows:
        trend[_bucket(created, minutes)].append(duration or 0)
        per_endpoint[template or path].append(duration or 0)
    activity: dict[str, list[float]] = defaultdict(list)
    for duration, created in queries:
        activity[_bucket(created, minutes)].append(duration or 0)
    ok = sum(1 for r in rows if (r[1] or 500) < 400)
    codes = Counter(r[2] or "unknown" for r in rows)
    return {
        "total_requests": total,
        "avg_response_time": round(sum(durations) / total, 2) if total else 0,
        "total_queries": len(queries),
        "total_exceptions": sum(1 for r in rows if (r[1] or 0) >= 500),
        "success_rate": round(ok * 100 / total, 2) if total else 100,
        "error_rate": round((total - ok) * 100 / total, 2) if total else 0,
        "rps": round(total / (hours * 3600), 4),
        "p50": percentile(durations, 50),
        "p95": percentile(durations, 95),
        "p99": percentile(durations, 99),
        "avg_query_time": round(sum(q[0] or 0 for q in queries) / len(queries), 2) if queries else 0,
        "distribution": [{"code": code, "count": n} for code, n in codes.most_common()],
        "response_time_trend": [
            {"time": t, "avg_response_time": round(sum(v) / len(v), 2), "request_count": len(v)} for t, v in sorted(trend.items())
        ],
        "query_activity": [
            {"time": t, "query_count": len(v), "avg_duration": round(sum(v) / len(v), 2)} for t, v in sorted(activity.items())
        ],
        "slowest_endpoints": _slowest(per_endpoint),
        "slow_queries": await _slow_queries(since, slow_ms),
    }


def _slowest(per_endpoint: dict[str, list[float]], limit: int = 10) -> list[dict[str, Any]]:
    ranked = sorted(per_endpoint.items(), key=lambda kv: sum(kv[1]) / len(kv[1]), reverse=True)[:limit]
    return [{"path": p, "count": len(v), "avg_duration_ms": round(sum(v) / len(v), 2), "p95": percentile(sorted(v), 95)} for p, v in ranked]


async def _slow_queries(since: datetime | None, slow_ms: float, limit: int = 10) -> list[dict[str, Any]]:
    rows = await RadarQuery.filter(created_at__gte=since, duration_ms__gte=slow_ms).order_by("-duration_ms").limit(limit)
    return [{"sql_text": q.sql_text[:500], "duration_ms": q.duration_ms, "x_request_id": q.x_request_id} for q in rows]


async def purge(retention_hours: int) -> int:
    return await delete_before(datetime.now(UTC) - timedelta(hours=retention_hours))


EMPTY_STATS = {
    "request_count": 0,
    "avg_duration_ms": 0,
    "error_count": 0,
    "error_rate": 0,
    "query_count": 0,
    "slow_query_count": 0,
    "user_log_count": 0,
}


def empty_dashboard() -> dict[str, Any]:
    keys = ("total_requests", "avg_response_time", "total_queries", "total_exceptions", "error_rate", "rps", "p50", "p95", "p99")
    out: dict[str, Any] = dict.fromkeys(keys, 0)
    out.update(success_rate=100, avg_query_time=0, distribution=[], response_time_trend=[], query_activity=[])
    out.update(slowest_endpoints=[], slow_queries=[])
    return out
