"""Radar HTTP API under ``/__radar/api`` (paths and payloads as api.md §5).

Unlike the reference, every route needs a logged-in user with permission
(``DependPermission``: R_SUPER or a granted API). With Radar disabled the routes
still answer, with empty data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from app.core.code import Code
from app.core.config import Settings
from app.core.dependency import DependPermission
from app.core.exceptions import BizError
from app.core.responses import Success
from app.system.radar import monitor, service

#: The one place the access rule is attached.
RADAR_DEPENDENCIES = [DependPermission]

router = APIRouter(prefix="/__radar/api", tags=["Radar"], dependencies=RADAR_DEPENDENCIES)

Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=100)]
Hours = Annotated[int, Query(ge=1, le=720)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _enabled(request: Request) -> bool:
    return bool(_settings(request).RADAR_ENABLED)


def _empty_page(page: int, size: int) -> Success:
    return Success(service.page_of(0, page, size, []))


@router.get("/requests", summary="Radar request list")
async def list_radar_requests(
    request: Request,
    *,
    page: Page = 1,
    page_size: PageSize = 20,
    path_filter: str | None = None,
    code_filter: str | None = None,
    min_duration: float | None = None,
    has_error: bool | None = None,
) -> Success:
    if not _enabled(request):
        return _empty_page(page, page_size)
    return Success(
        await service.list_requests(
            page, page_size, path_filter=path_filter, code_filter=code_filter, min_duration=min_duration, has_error=has_error
        )
    )


@router.get("/requests/{x_request_id}", summary="Radar request detail")
async def get_radar_request(request: Request, x_request_id: str) -> Success:
    detail = await service.request_detail(x_request_id) if _enabled(request) else None
    if detail is None:
        raise BizError(Code.RADAR_NOT_FOUND)
    return Success(detail)


@router.get("/queries", summary="Radar query list")
async def list_radar_queries(
    request: Request, page: Page = 1, page_size: PageSize = 20, slow_only: bool = False, threshold_ms: Annotated[float, Query(ge=0)] = 100
) -> Success:
    if not _enabled(request):
        return _empty_page(page, page_size)
    return Success(await service.list_queries(page, page_size, slow_only, threshold_ms))


@router.get("/exceptions", summary="Radar exception list")
async def list_radar_exceptions(
    request: Request,
    *,
    page: Page = 1,
    page_size: PageSize = 20,
    path_filter: str | None = None,
    error_type: str | None = None,
    resolved: bool | None = None,
) -> Success:
    if not _enabled(request):
        return _empty_page(page, page_size)
    return Success(await service.list_exceptions(page, page_size, path_filter, error_type, resolved))


@router.put("/exceptions/{x_request_id}/resolve", summary="Resolve a Radar exception")
async def resolve_radar_exception(request: Request, x_request_id: str, resolved: Annotated[bool, Body(embed=True)] = True) -> Success:
    if not _enabled(request) or not await service.resolve_exception(x_request_id, resolved):
        raise BizError(Code.RADAR_NOT_FOUND)
    return Success(None)


@router.get("/stats", summary="Radar statistics")
async def get_radar_stats(request: Request, hours: Annotated[int | None, Query(ge=1, le=720)] = None) -> Success:
    if not _enabled(request):
        return Success(dict(service.EMPTY_STATS))
    return Success(await service.stats(hours, _settings(request).RADAR_SLOW_QUERY_MS))


@router.get("/dashboard", summary="Radar dashboard")
async def get_radar_dashboard(request: Request, hours: Hours = 1) -> Success:
    if not _enabled(request):
        return Success(service.empty_dashboard())
    return Success(await service.dashboard(hours, _settings(request).RADAR_SLOW_QUERY_MS))


@router.delete("/purge", summary="Purge Radar data")
async def purge_radar_data(request: Request, retention_hours: Annotated[int, Query(ge=1)] = 24) -> Success:
    deleted = await service.purge(retention_hours) if _enabled(request) else 0
    return Success({"deleted_count": deleted})


def _db_names(request: Request) -> list[str]:
    return list(request.app.state.tortoise_config["connections"])


@router.get("/monitor/overview", summary="System monitor overview")
async def get_monitor_overview(request: Request) -> Success:
    if not _enabled(request):
        return Success({})
    return Success(await monitor.overview(_db_names(request), getattr(request.app.state, "redis", None)))


@router.get("/monitor/realtime", summary="System monitor realtime")
async def get_monitor_realtime(request: Request) -> Success:
    if not _enabled(request):
        return Success({})
    return Success(await monitor.realtime(_db_names(request), getattr(request.app.state, "redis", None)))


@router.get("/_boom", include_in_schema=False)
async def radar_boom(request: Request, kind: str = "runtime") -> Any:
    """Raise on purpose (debug only) to see an exception land in Radar."""
    if not _settings(request).APP_DEBUG:
        raise BizError(Code.API_DISABLED)
    errors: dict[str, type[Exception]] = {"zero": ZeroDivisionError, "key": KeyError, "attr": AttributeError}
    raise errors.get(kind, RuntimeError)(f"radar test exception ({kind})")
