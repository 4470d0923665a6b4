"""Routing fast path: send an http request straight to the route FastAPI would pick.

FastAPI includes routers lazily, so each request walks the router tree and
matches the chosen branch twice. ``install_fast_routing(app)`` puts an index in
front of the app's router: static paths are looked up in a dict, other paths
are matched against only the routes whose literal prefix fits, in FastAPI's
order (first full match wins). A hit gets exactly the scope FastAPI's own
router would give it (``route``, ``endpoint``, ``path_params``, ``router``,
``scope["fastapi"]``) and runs through the route's own ``handle``. Everything
else — no full match (404, 405, slash redirects, frontend routes), mounts and
plain Starlette routes, websockets, lifespan, telemetry — goes to FastAPI's
router unchanged. The index is rebuilt when any router of the tree changes
(routes added after start-up); if FastAPI's internals are not the expected
ones (see ``app.core.route_tree``) the fast path stays off.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRouter
from loguru import logger
from starlette.types import Receive, Scope, Send

from app.core.route_tree import (
    FASTAPI_SCOPE_KEY,
    FORM_LIMITS_KEY,
    Kind,
    Leaf,
    RouteTree,
    RouteTreeError,
    check_compatible,
    get_route_path,
    walk,
)

__all__ = ["FastRouting", "RouteIndex", "install_fast_routing"]

#: ``(leaf, converted path parameters)``: what a full match selects.
Hit = tuple[Leaf, dict[str, Any]]
_CACHE_LIMIT = 2048


def install_fast_routing(app: FastAPI) -> FastRouting | None:
    """Put the fast path in front of ``app.router``; ``None`` (FastAPI routing kept) if it cannot be."""
    router = app.router
    if router.middleware_stack != router.app:  # router-level middleware would sit between: keep it simple
        logger.warning("fast routing off: app.router has its own middleware")
        return None
    try:
        check_compatible()
    except RouteTreeError as exc:
        logger.warning("fast routing off: {}", exc)
        return None
    fast = FastRouting(router)
    router.middleware_stack = fast
    return fast


class RouteIndex:
    """The leaves of one router tree, indexed by literal path prefix."""

    def __init__(self, tree: RouteTree) -> None:
        self.tree = tree
        leaves = [leaf for leaf in tree.leaves if leaf.kind is not Kind.WEBSOCKET]
        self._leaves = leaves
        self._buckets: dict[str, list[int]] = {}
        self._dynamic_buckets: dict[str, list[int]] = {}
        static: list[Leaf] = []
        for position, leaf in enumerate(leaves):
            key = "" if leaf.kind is Kind.BARRIER else _directory(leaf.literal_prefix)
            self._buckets.setdefault(key, []).append(position)
            if leaf.kind is Kind.API and not leaf.convertors:
                static.append(leaf)  # its regex matches its path only: the static table answers for it
            else:
                self._dynamic_buckets.setdefault(key, []).append(position)
        methods = {method for leaf in leaves if leaf.kind is Kind.API and leaf.methods for method in leaf.methods}
        self._static: dict[str, dict[str, Hit]] = {}
        for leaf in static:
            if leaf.path in self._static:
                continue
            candidates = _merge(self._buckets, leaf.path)
            hits = {method: hit for method in methods if (hit := self._scan(candidates, leaf.path, method)) is not None}
            self._static[leaf.path] = hits
        self._candidates: dict[str, list[Leaf]] = {}

    def lookup(self, path: str, method: str) -> Hit | None:
        """The route FastAPI would fully match for ``method path``; ``None``: let FastAPI decide."""
        table = self._static.get(path)
        if table is not None:
            return table.get(method)
        if path.endswith("\n"):  # "$" matches before a final newline: a static route may match, FastAPI decides
            return None
        directory = _directory(path)
        candidates = self._candidates.get(directory)
        if candidates is None:
            if len(self._candidates) >= _CACHE_LIMIT:
                self._candidates.clear()
            candidates = self._candidates[directory] = [self._leaves[i] for i in _merge(self._dynamic_buckets, path)]
        return _scan_leaves(candidates, path, method)

    def _scan(self, positions: list[int], path: str, method: str) -> Hit | None:
        return _scan_leaves([self._leaves[i] for i in positions], path, method)


def _scan_leaves(candidates: list[Leaf], path: str, method: str) -> Hit | None:
    for leaf in candidates:
        if leaf.kind is Kind.API:
            match = leaf.regex.match(path)
            if match is None:
                continue
            params = match.groupdict()
            for key, value in params.items():
                params[key] = leaf.convertors[key].convert(value)
            if leaf.methods is None or method in leaf.methods:
                return leaf, params
            continue  # a partial match: FastAPI goes on looking for a full one
        if leaf.kind is Kind.OTHER and not path.startswith(leaf.literal_prefix):
            continue
        return None  # a mount, a plain route or an unknown route may match: FastAPI decides
    return None


def _directory(path: str) -> str:
    return path[: path.rfind("/") + 1]


def _merge(buckets: dict[str, list[int]], path: str) -> list[int]:
    """Positions of the leaves whose literal prefix's directory is a directory of ``path``, in order."""
    found = list(buckets.get("", ()))
    start = path.find("/")
    while start != -1:
        found.extend(buckets.get(path[: start + 1], ()))
        start = path.find("/", start + 1)
    found.sort()
    return found


class FastRouting:
    """The ASGI app installed as ``app.router.middleware_stack``; falls back to ``router.app``."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.fallback = router.app
        self.index: RouteIndex | None = None
        self.disabled = False

    def current_index(self) -> RouteIndex | None:
        """The index of the router tree as it is now (rebuilt if a router changed)."""
        index = self.index
        if index is not None and index.tree.is_current():
            return index
        if self.disabled:
            return None
        try:
            index = self.index = RouteIndex(walk(self.router))
        except Exception as exc:  # noqa: BLE001 - an unknown FastAPI shape: its own routing stays correct
            self.disabled = True
            self.index = None
            logger.warning("fast routing off: {}: {}", type(exc).__name__, exc)
            return None
        return index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "fastapi.telemetry" in scope:
            await self.fallback(scope, receive, send)
            return
        index = self.current_index()
        hit = index.lookup(get_route_path(scope), scope["method"]) if index is not None else None
        if hit is None:
            await self.fallback(scope, receive, send)
            return
        leaf, params = hit
        if "router" not in scope:
            scope["router"] = self.router
        if leaf.fastapi_scope is not None or leaf.form_limits:
            fastapi_scope = scope.setdefault(FASTAPI_SCOPE_KEY, {})
            if leaf.form_limits:
                fastapi_scope[FORM_LIMITS_KEY] = {**fastapi_scope.get(FORM_LIMITS_KEY, {}), **leaf.form_limits}
            if leaf.fastapi_scope:
                fastapi_scope.update(leaf.fastapi_scope)
        path_params = dict(scope.get("path_params", {}))
        path_params.update(params)
        scope["endpoint"] = leaf.endpoint
        scope["path_params"] = path_params
        scope["route"] = leaf.route
        await leaf.route.handle(scope, receive, send)
