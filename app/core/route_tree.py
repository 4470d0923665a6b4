"""FastAPI's router tree as the flat, ordered list of leaves its router tries.

This is the one module that reads FastAPI's private routing structures:
``_IncludedRouter`` (routers are included lazily since FastAPI 0.16x), its
``effective_candidates()`` and ``include_context``, ``_EffectiveRouteContext``,
the ``scope["fastapi"]`` keys and the per-router ``_routes_version`` counters.
``check_compatible()`` raises :class:`RouteTreeError` when any of them is
missing, and ``walk()`` raises it on a shape it does not know; the caller
(``app.core.routing``) then keeps FastAPI's own routing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute, APIRouter
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

__all__ = ["Kind", "Leaf", "RouteTree", "RouteTreeError", "check_compatible", "get_route_path", "walk"]

_INCLUDED: Any = getattr(fastapi_routing, "_IncludedRouter", None)
_EFFECTIVE: Any = getattr(fastapi_routing, "_EffectiveRouteContext", None)
_INCLUDED_KEY: Any = getattr(fastapi_routing, "_FASTAPI_INCLUDED_ROUTER_KEY", None)
_EFFECTIVE_KEY: Any = getattr(fastapi_routing, "_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY", None)
_FASTAPI_KEY: Any = getattr(fastapi_routing, "_FASTAPI_SCOPE_KEY", None)
_FORM_LIMITS_KEY: Any = getattr(fastapi_routing, "_FASTAPI_FORM_LIMITS_KEY", None)
_version_of = attrgetter("_routes_version")

FASTAPI_SCOPE_KEY: str = _FASTAPI_KEY or "fastapi"
FORM_LIMITS_KEY: str = _FORM_LIMITS_KEY or "form_limits"


class RouteTreeError(RuntimeError):
    """FastAPI's routing internals are not the ones this module was written for."""


class Kind(enum.Enum):
    API = "api"  # an APIRoute FastAPI matches by path regex and methods
    OTHER = "other"  # a Route/Mount: may match anything under its literal prefix
    WEBSOCKET = "websocket"  # never matches an http request
    BARRIER = "barrier"  # unknown route type: may match any request


@dataclass(frozen=True, slots=True, eq=False)
class Leaf:
    """One route as FastAPI's router sees it, with the scope changes selecting it makes."""

    kind: Kind
    route: BaseRoute  # what FastAPI stores in scope["route"] and calls .handle on
    path: str  # the full path, include prefixes applied
    regex: Any
    convertors: dict[str, Any]
    methods: frozenset[str] | None
    endpoint: Any
    #: Keys FastAPI leaves in ``scope["fastapi"]`` once the route is selected; ``None``: no dict is created.
    fastapi_scope: dict[str, Any] | None
    #: The form limits of the routers and includes on the way, merged in order.
    form_limits: dict[str, Any]

    @property
    def literal_prefix(self) -> str:
        """The path up to its first parameter: a request path this leaf matches starts with it."""
        return self.path.split("{", 1)[0]


@dataclass(frozen=True, slots=True)
class RouteTree:
    leaves: tuple[Leaf, ...]
    routers: tuple[APIRouter, ...]
    top_routes: list[BaseRoute]
    top_count: int
    version: int

    def is_current(self) -> bool:
        """Whether no router of the tree has changed since the walk (FastAPI's own cache key, cheaper)."""
        top = self.top_routes
        return top is self.routers[0].routes and len(top) == self.top_count and sum(map(_version_of, self.routers)) == self.version


def check_compatible() -> None:
    """Raise :class:`RouteTreeError` unless FastAPI still has the internals ``walk`` reads."""
    missing = [
        name
        for name, value in (
            ("_IncludedRouter", _INCLUDED),
            ("_EffectiveRouteContext", _EFFECTIVE),
            ("_FASTAPI_INCLUDED_ROUTER_KEY", _INCLUDED_KEY),
            ("_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY", _EFFECTIVE_KEY),
            ("_FASTAPI_SCOPE_KEY", _FASTAPI_KEY),
            ("_FASTAPI_FORM_LIMITS_KEY", _FORM_LIMITS_KEY),
        )
        if value is None
    ]
    if _INCLUDED is not None and not callable(getattr(_INCLUDED, "effective_candidates", None)):
        missing.append("_IncludedRouter.effective_candidates")
    for attr in ("_routes_version", "form_limits"):
        if not hasattr(APIRouter(), attr):
            missing.append(f"APIRouter.{attr}")
    if missing:
        raise RouteTreeError(f"FastAPI routing internals changed: missing {', '.join(missing)}")


def walk(router: APIRouter) -> RouteTree:
    """The leaves ``router`` tries for a request, in its order (first full match wins)."""
    leaves: list[Leaf] = []
    routers: dict[int, APIRouter] = {id(router): router}
    top_limits = dict(router.form_limits or {})
    top_routes = router.routes
    touched = False  # FastAPI creates scope["fastapi"] as soon as it asks an included router
    for route in list(top_routes):
        if isinstance(route, _INCLUDED):
            _walk_included(route, {**top_limits, **_include_limits(route)}, leaves, routers)
            touched = True
        else:
            leaves.append(_top_leaf(route, top_limits, {} if touched else None))
    found = tuple(routers.values())
    return RouteTree(tuple(leaves), found, top_routes, len(top_routes), sum(map(_version_of, found)))


def _include_limits(branch: Any) -> dict[str, Any]:
    limits = branch.include_context.form_limits
    if not isinstance(limits, dict):
        raise RouteTreeError("include_context.form_limits is not a dict")
    return limits


def _walk_included(branch: Any, limits: dict[str, Any], leaves: list[Leaf], routers: dict[int, APIRouter]) -> None:
    original = branch.original_router
    if not isinstance(original, APIRouter):
        raise RouteTreeError("an included router is not an APIRouter")
    routers[id(original)] = original
    for candidate in branch.effective_candidates():
        if isinstance(candidate, _INCLUDED):
            _walk_included(candidate, {**limits, **_include_limits(candidate)}, leaves, routers)
        elif isinstance(candidate, _EFFECTIVE):
            leaves.append(_included_leaf(candidate, branch, limits))
        else:
            raise RouteTreeError(f"unknown effective candidate {type(candidate).__name__}")


def _included_leaf(context: Any, branch: Any, limits: dict[str, Any]) -> Leaf:
    original = context.original_route
    if isinstance(original, APIRoute):
        keys = {_INCLUDED_KEY: branch, _EFFECTIVE_KEY: context}
        kind = Kind.API if type(original).matches is APIRoute.matches else Kind.OTHER
        methods = frozenset(context.methods) if context.methods else None
        return Leaf(kind, original, context.path, context.path_regex, context.param_convertors, methods, context.endpoint, keys, limits)
    starlette_route = context.starlette_route
    if starlette_route is None:  # e.g. a frontend route group: whatever it matches, FastAPI decides
        return _barrier(original, limits)
    return _other_leaf(starlette_route, limits)


def _top_leaf(route: BaseRoute, limits: dict[str, Any], fastapi_scope: dict[str, Any] | None) -> Leaf:
    if isinstance(route, APIRoute):
        kind = Kind.API if type(route).matches is APIRoute.matches else Kind.OTHER
        methods = frozenset(route.methods) if route.methods else None
        return Leaf(kind, route, route.path, route.path_regex, route.param_convertors, methods, route.endpoint, fastapi_scope, limits)
    return _other_leaf(route, limits)


def _other_leaf(route: BaseRoute, limits: dict[str, Any]) -> Leaf:
    if isinstance(route, WebSocketRoute):
        return Leaf(Kind.WEBSOCKET, route, route.path, None, {}, None, None, None, limits)
    if isinstance(route, (Route, Mount)) and isinstance(route.path, str):
        return Leaf(Kind.OTHER, route, route.path, None, {}, None, None, None, limits)
    return _barrier(route, limits)


def _barrier(route: BaseRoute, limits: dict[str, Any]) -> Leaf:
    return Leaf(Kind.BARRIER, route, "", None, {}, None, None, None, limits)
