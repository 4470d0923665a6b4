"""The live route table of the app, read through FastAPI's route contexts.

FastAPI 0.165 no longer flattens included routers, so routes are walked with
``iter_route_contexts`` (full paths, merged tags). Services receive plain
``RouteEntry`` values and never import the web framework.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.model import MethodType
from app.system.services.api_catalogue import RouteEntry, format_tags

#: Schema-visible routes that are never catalogued (seeds.md §6).
EXCLUDED_PATHS = frozenset({"/health", "/api/v1/auth/error", "/__radar/api/_boom"})
_METHODS = frozenset(m.value for m in MethodType)


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of ``app`` as FastAPI sees it once included (prefix, tags merged)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def live_routes(app: FastAPI) -> dict[tuple[str, str], RouteEntry]:
    """(method, path template) -> entry for every catalogued route of ``app``."""
    found: dict[tuple[str, str], RouteEntry] = {}
    for route in api_routes(app):
        path = route.path_format
        if not route.include_in_schema or path in EXCLUDED_PATHS:
            continue
        summary = route.summary or str(route.name).replace("_", " ").title()
        tags = format_tags([str(tag) for tag in route.tags or ()])
        for method in sorted(m.lower() for m in route.methods or ()):
            if method in _METHODS:
                found[(method, path)] = RouteEntry(method, path, summary, tags)
    return found


def route_keys(app: FastAPI) -> dict[str, tuple[str, str]]:
    """Route name -> (method, path) for string API references in init specs."""
    keys: dict[str, tuple[str, str]] = {}
    for route in api_routes(app):
        methods = sorted(m.lower() for m in route.methods or () if m.lower() in _METHODS)
        if route.name and methods:
            keys[str(route.name)] = (methods[0], route.path_format)
    return keys
