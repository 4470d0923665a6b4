"""``CRUDRouter``: the standard routes of one resource, declared in one call.

The router keeps its route list ordered so literal paths come before
``{param}`` paths after every registration (``/users/tree`` is never captured
by ``/users/{item_id}``), and ``override(name)`` swaps one default handler for
a custom one while keeping its path, method, summary, name and the action's
dependencies.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.params import Depends
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute
from tortoise.expressions import Q

from app.core.crud import CRUDBase, build_search, transform_records
from app.core.ctx import CTX_PREFER_CHINESE, CTX_USER_ID
from app.core.page_cache import cached_page
from app.core.policy import DataPolicy, PolicyContext, get_policy
from app.core.responses import Success, SuccessExtra
from app.core.schema import CommonIds, PageQueryBase, SchemaBase
from app.core.sqids import encode_id
from app.core.types import SqidPath

F = TypeVar("F", bound=Callable[..., Any])
RecordTransform = Callable[[Any], dict[str, Any] | Awaitable[dict[str, Any]]]
PolicyHook = Callable[[Request], Q | Awaitable[Q | None] | None]

ACTIONS = ("list", "get", "create", "update", "delete", "batch_delete", "tree")
_SEARCH_CATEGORIES = {"contains": "contains", "icontains": "icontains", "exact": "exact", "iexact": "iexact", "in": "in_", "in_": "in_"}
_SEARCH_CATEGORIES |= {"range": "range_", "range_": "range_"}
_MESSAGES = {"create": ("Created", "创建成功"), "update": ("Updated", "更新成功"), "delete": ("Deleted", "删除成功")}


class RouteInfo(NamedTuple):
    method: str
    path: str
    summary: str
    name: str


@dataclass(frozen=True)
class _Action:
    path: str
    method: str
    summary: str
    verb: str


def _actions(prefix: str) -> dict[str, _Action]:
    return {
        "list": _Action("/search", "POST", f"查看{prefix}列表", "list_{many}"),
        "get": _Action("/{item_id}", "GET", f"查看{prefix}", "get_{one}"),
        "create": _Action("", "POST", f"创建{prefix}", "create_{one}"),
        "update": _Action("/{item_id}", "PATCH", f"更新{prefix}", "update_{one}"),
        "delete": _Action("/{item_id}", "DELETE", f"删除{prefix}", "delete_{one}"),
        "batch_delete": _Action("", "DELETE", f"批量删除{prefix}", "batch_delete_{many}"),
        "tree": _Action("/tree", "GET", f"查看{prefix}树", "get_{one}_tree"),
    }


def _singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


def message(action: str) -> str:
    """Success message of a write action in the request's language."""
    english, chinese = _MESSAGES[action]
    return chinese if CTX_PREFER_CHINESE.get() else english


def _param(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)


def _endpoint(func: Callable[..., Any], name: str, params: list[inspect.Parameter]) -> Callable[..., Any]:
    """Give a generated handler a real name and the signature FastAPI reads."""
    func.__name__ = func.__qualname__ = name
    func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return func


def sort_static_first(routes: list[BaseRoute]) -> None:
    """Stable in-place sort: literal paths before paths with ``{param}``."""
    routes.sort(key=lambda route: "{" in str(getattr(route, "path", "")))


class CRUDRouter(APIRouter):
    """The spec's standard routes for ``controller``'s model under ``prefix``.

    ``search_fields`` maps a ``build_search`` category (contains, icontains,
    exact, iexact, in, range) to the list-schema fields it applies to.
    ``data_policy`` narrows the default list: a registered policy name or a
    ``DataPolicy`` (its ``filter_for`` the current user, looked up per request
    so registration order does not matter), or a hook ``(request) -> Q | None``.
    ``list_cache`` reuses a list page until the next database write anywhere
    (``app.core.page_cache``); with a data policy or a record transform the
    page is kept per caller and language, since either may depend on them.
    """

    def __init__(
        self,
        prefix: str,
        controller: CRUDBase[Any],
        *,
        create_schema: type[SchemaBase] | None = None,
        update_schema: type[SchemaBase] | None = None,
        list_schema: type[PageQueryBase] | None = None,
        search_fields: Mapping[str, Sequence[str]] | None = None,
        summary_prefix: str = "",
        list_order: Sequence[str] = ("id",),
        exclude_fields: Sequence[str] = (),
        enable_routes: Iterable[str] | None = None,
        record_transform: RecordTransform | None = None,
        soft_delete: bool = False,
        tree_endpoint: bool = False,
        action_dependencies: Mapping[str, Sequence[Depends]] | None = None,
        route_key_prefix: str | None = None,
        data_policy: str | DataPolicy | PolicyHook | None = None,
        list_cache: bool = False,
        **router_kwargs: Any,
    ) -> None:
        super().__init__(prefix=prefix, **router_kwargs)
        self.resource = prefix.rstrip("/").rsplit("/", 1)[-1]
        self.controller = controller
        self.create_schema, self.update_schema, self.list_schema = create_schema, update_schema, list_schema
        self.search_kwargs = self._search_kwargs(search_fields or {})
        self.list_order = list(list_order)
        self.exclude_fields = list(exclude_fields)
        self.record_transform = record_transform
        self.soft_delete = soft_delete
        self.data_policy = data_policy
        self.list_cache = list_cache
        self.route_key = route_key_prefix or self.resource
        self.action_dependencies = {name: list(deps) for name, deps in (action_dependencies or {}).items()}
        self.enabled = set(ACTIONS if enable_routes is None else enable_routes)
        unknown = (self.enabled | set(self.action_dependencies)) - set(ACTIONS)
        if unknown:
            raise ValueError(f"unknown CRUD actions: {sorted(unknown)}")
        self._specs = _actions(summary_prefix)
        self._register_defaults(tree_endpoint)

    # -- registration --
    @staticmethod
    def _search_kwargs(search_fields: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for category, names in search_fields.items():
            if category not in _SEARCH_CATEGORIES:
                raise ValueError(f"unknown search category {category!r}")
            out.setdefault(_SEARCH_CATEGORIES[category], []).extend(names)
        return out

    def route_name(self, action: str) -> str:
        return f"{self.route_key}.{action}"

    def handler_name(self, action: str) -> str:
        many = self.resource.replace("-", "_")
        return self._specs[action].verb.format(many=many, one=_singular(many))

    def _register_defaults(self, tree_endpoint: bool) -> None:
        factories: dict[str, tuple[bool, Callable[[], Callable[..., Any]]]] = {
            "list": (self.list_schema is not None, self._list_handler),
            "get": (True, self._get_handler),
            "create": (self.create_schema is not None, self._create_handler),
            "update": (self.update_schema is not None, self._update_handler),
            "delete": (True, self._delete_handler),
            "batch_delete": (True, self._batch_delete_handler),
            "tree": (tree_endpoint, self._tree_handler),
        }
        for action in ACTIONS:
            wanted, factory = factories[action]
            if wanted and action in self.enabled:
                self._add_action(action, factory())

    def _add_action(self, action: str, endpoint: Callable[..., Any], **route_kwargs: Any) -> None:
        spec = self._specs[action]
        route_kwargs.setdefault("response_model", None)
        self.add_api_route(
            spec.path,
            endpoint,
            methods=[spec.method],
            summary=spec.summary,
            name=self.route_name(action),
            dependencies=self.action_dependencies.get(action, []),
            **route_kwargs,
        )

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        self._resort()

    def include_router(self, router: APIRouter, **kwargs: Any) -> None:
        super().include_router(router, **kwargs)
        self._resort()

    def _resort(self) -> None:
        sort_static_first(self.routes)
        self._mark_routes_changed()

    def override(self, action: str, **route_kwargs: Any) -> Callable[[F], F]:
        """Replace the default ``action`` route by the decorated function (same path/method/summary/name/deps)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown CRUD action {action!r}")
        spec = self._specs[action]

        def decorator(func: F) -> F:
            full_path = self.prefix + spec.path
            self.routes[:] = [
                route
                for route in self.routes
                if not (isinstance(route, APIRoute) and route.path == full_path and spec.method in (route.methods or ()))
            ]
            self._add_action(action, func, **route_kwargs)
            return func

        return decorator

    # -- records --
    async def records(self, objs: Sequence[Any]) -> list[dict[str, Any]]:
        transform = self.record_transform
        if transform is None:
            exclude = self.exclude_fields or None
            return [obj.to_dict(exclude_fields=exclude) for obj in objs]
        return await transform_records(objs, transform)

    async def _policy(self, request: Request) -> Q | None:
        chosen = self.data_policy
        if chosen is None:
            return None
        if isinstance(chosen, str | DataPolicy):
            policy = get_policy(chosen) if isinstance(chosen, str) else chosen
            return await policy.filter_for(PolicyContext.current(redis=getattr(request.app.state, "redis", None)))
        result = chosen(request)
        return await result if inspect.isawaitable(result) else result

    # -- default handlers --
    async def _list_page(self, request: Request, body: PageQueryBase) -> tuple[int, list[dict[str, Any]]]:
        search = build_search(body, **self.search_kwargs)  # type: ignore[arg-type]
        policy = await self._policy(request)
        if policy is not None:
            search &= policy
        order = body.order_by or self.list_order
        total, objs = await self.controller.list(body.current, body.size, search, order)
        return total, await self.records(objs)

    def _page_key(self, body: PageQueryBase) -> tuple[Any, ...]:
        per_caller = self.data_policy is not None or self.record_transform is not None
        caller = (CTX_USER_ID.get(), CTX_PREFER_CHINESE.get()) if per_caller else None
        return (self.route_name("list"), caller, body.model_dump_json())

    def _list_handler(self) -> Callable[..., Any]:
        async def handler(request: Request, body: PageQueryBase) -> SuccessExtra:
            if self.list_cache:
                total, records = await cached_page(self._page_key(body), partial(self._list_page, request, body))
            else:
                total, records = await self._list_page(request, body)
            return SuccessExtra(records, total=total, current=body.current, size=body.size)

        return _endpoint(handler, self.handler_name("list"), [_param("request", Request), _param("body", self.list_schema)])

    def _get_handler(self) -> Callable[..., Any]:
        async def handler(item_id: int) -> Success:
            obj = await self.controller.get(item_id)
            return Success((await self.records([obj]))[0])

        return _endpoint(handler, self.handler_name("get"), [_param("item_id", SqidPath)])

    def _create_handler(self) -> Callable[..., Any]:
        async def handler(body: SchemaBase) -> Success:
            obj = await self.controller.create(body)
            return Success({"createdId": encode_id(obj.pk)}, msg=message("create"))

        return _endpoint(handler, self.handler_name("create"), [_param("body", self.create_schema)])

    def _update_handler(self) -> Callable[..., Any]:
        async def handler(item_id: int, body: SchemaBase) -> Success:
            await self.controller.update(item_id, body)
            return Success({"updatedId": encode_id(item_id)}, msg=message("update"))

        return _endpoint(handler, self.handler_name("update"), [_param("item_id", SqidPath), _param("body", self.update_schema)])

    def _delete_handler(self) -> Callable[..., Any]:
        async def handler(item_id: int) -> Success:
            if self.soft_delete:
                await self.controller.soft_remove(item_id)
            else:
                await self.controller.remove(item_id)
            return Success({"deletedId": encode_id(item_id)}, msg=message("delete"))

        return _endpoint(handler, self.handler_name("delete"), [_param("item_id", SqidPath)])

    def _batch_delete_handler(self) -> Callable[..., Any]:
        async def handler(body: CommonIds) -> Success:
            if self.soft_delete:
                deleted = await self.controller.existing_ids(body.ids)
                if deleted:
                    await self.controller.soft_batch_remove(deleted)
            else:
                deleted = await self.controller.batch_remove(body.ids)
            data = {"deletedCount": len(deleted), "deletedIds": [encode_id(pk) for pk in deleted]}
            return Success(data, msg=message("delete"))

        return _endpoint(handler, self.handler_name("batch_delete"), [_param("body", CommonIds)])

    def _tree_handler(self) -> Callable[..., Any]:
        async def handler() -> Success:
            transform = self.record_transform
            tree = await self.controller.get_tree(exclude_fields=self.exclude_fields or None, transform=transform)
            return Success(tree)

        return _endpoint(handler, self.handler_name("tree"), [])


def get_route_info(source: FastAPI | APIRouter | Sequence[BaseRoute], *, include_hidden: bool = True) -> list[RouteInfo]:
    """``(method, path, summary, name)`` of every API route, included routers resolved to full paths.

    One entry per method (HEAD left out), in routing order.
    """
    routes = source.routes if isinstance(source, FastAPI | APIRouter) else source
    out: list[RouteInfo] = []
    for context in iter_route_contexts(list(routes)):
        if not isinstance(context.original_route, APIRoute):
            continue
        if not include_hidden and not getattr(context, "include_in_schema", True):
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            out.append(RouteInfo(method, str(context.path), getattr(context, "summary", None) or "", str(context.name)))
    return out
