"""Plug discovered business modules into an app (called by ``create_app``).

``register_business`` discovers the modules, then: adds their models to the
system ORM app or to ``app_<name>`` on ``conn_<name>``; mounts their routers
under ``/api/v1/business/<name>`` with the declared auth; registers their
init functions (each failure isolated into ``app.state.init_errors``), data
policies, periodic tasks (plus the outbox dispatcher) and rate limits.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from loguru import logger

from app.core.autodiscover import ModuleSpec, discover_modules
from app.core.business.manifest import BusinessRouter, InitFn, ModuleConfigError
from app.core.config import Settings
from app.core.database import SYSTEM_APP, OrmApp
from app.core.dependency import DependAuth, DependPermission
from app.core.events import bus
from app.core.lifecycle import AppHooks
from app.core.outbox import OUTBOX_MODELS_MODULE, make_outbox_dispatch_task
from app.core.policy import register_policies
from app.core.tasks import PeriodicTask, TaskRunner, check_unique_names

BUSINESS_PREFIX = "/api/v1/business"
ApplyInitData = Callable[[Any], Awaitable[Any]]
#: ``app.state`` attribute holding ``[(name, async fn)]`` run by the leader after system init.
BUSINESS_INIT_STATE = "business_init"


def register_business(
    app: FastAPI,
    settings: Settings,
    hooks: AppHooks,
    orm_apps: list[OrmApp],
    *,
    apply_init_data: ApplyInitData | None = None,
) -> list[ModuleSpec]:
    """Discover and wire the business modules; the specs (also on ``app.state.business_modules``)."""
    specs = discover_modules(
        settings.BUSINESS_PACKAGE,
        main_db_url=settings.db_url,
        disabled=settings.BUSINESS_MODULES_DISABLED,
        enabled=settings.BUSINESS_MODULES_ENABLED,
    )
    enabled = [spec for spec in specs if spec.enabled]
    _register_models(specs, orm_apps)
    for spec in enabled:
        _mount(app, spec)
    _register_inits(app, settings, hooks, enabled, apply_init_data)
    register_policies(policy for spec in enabled if spec.manifest for policy in spec.manifest.data_policies)
    _register_subscribers(hooks, enabled)
    _register_tasks(app, hooks, enabled, settings)
    app.state.business_modules = specs
    limits: dict[str, tuple[int, int]] = getattr(app.state, "endpoint_rate_limits", {}) or {}
    for spec in enabled:
        limits.update(spec.rate_limits)
    app.state.endpoint_rate_limits = limits
    for spec in specs:
        logger.debug("business module {}: {} ({})", spec.name, "enabled" if spec.enabled else "disabled", spec.source)
    return specs


def _register_models(specs: list[ModuleSpec], orm_apps: list[OrmApp]) -> None:
    shared = [spec.models_module for spec in specs if spec.models_module and not spec.own_database]
    for index, orm_app in enumerate(orm_apps):
        if orm_app.name == SYSTEM_APP:
            extra = tuple(m for m in (OUTBOX_MODELS_MODULE, *shared) if m not in orm_app.modules)
            orm_apps[index] = replace(orm_app, modules=(*orm_app.modules, *extra))
    for spec in specs:
        if spec.models_module and spec.db_url:
            orm_apps.append(OrmApp(spec.orm_app, spec.connection, spec.db_url, (spec.models_module,)))


def _dependencies(auth: str) -> list[Any]:
    if auth == "public":
        return []
    return [DependPermission if auth == "permission" else DependAuth]


def _check_router(module: str, mounted: BusinessRouter) -> None:
    name_re = re.compile(rf"^{re.escape(module)}(\.[a-z][a-z0-9_]*){{2,}}$")
    seen: set[str] = set()
    for route in iter_route_contexts(list(mounted.router.routes)):
        if not isinstance(route.original_route, APIRoute):
            continue
        path, name = str(route.path), str(route.name or "")
        if path == f"/{module}" or path.startswith(f"/{module}/"):
            raise ModuleConfigError(f"business module {module!r}: route {path} repeats the module prefix /{module}")
        if mounted.auth != "permission":
            continue
        if not name_re.match(name) or name in seen:
            raise ModuleConfigError(
                f"business module {module!r}: permission route {path} needs a unique name '{module}.<resource>.<action>' (got {name!r})"
            )
        seen.add(name)


def _mount(app: FastAPI, spec: ModuleSpec) -> None:
    if spec.legacy_router is not None:
        app.include_router(spec.legacy_router, prefix=BUSINESS_PREFIX)
    title = spec.manifest.title if spec.manifest else spec.name
    for mounted in spec.routers:
        _check_router(spec.name, mounted)
        app.include_router(
            mounted.router,
            prefix=f"{BUSINESS_PREFIX}/{spec.name}{mounted.prefix}",
            dependencies=_dependencies(mounted.auth),
            tags=list(mounted.tags) or [title],
        )


def _isolated(app: FastAPI, settings: Settings, name: str, run: InitFn) -> InitFn:
    async def run_module_init() -> None:
        try:
            await run()
        except Exception as exc:
            app.state.init_errors[name] = f"{type(exc).__name__}: {exc}"
            logger.opt(exception=True).error("business module {} init failed; other modules continue", name)
            if settings.INIT_FAIL_ON_BUSINESS_ERROR:
                raise

    return run_module_init


def _init_for(spec: ModuleSpec, apply_init_data: ApplyInitData | None) -> InitFn | None:
    if spec.init is not None:
        return spec.init
    permissions = spec.manifest.permissions if spec.manifest else None
    if permissions is None or not permissions.init_data:
        return None
    if apply_init_data is None:
        raise ModuleConfigError(f"business module {spec.name!r} declares PermissionSpec but no apply_init_data was provided")
    apply = apply_init_data
    data = permissions.init_data

    async def apply_declared() -> None:
        await apply(data)

    return apply_declared


def _register_inits(app: FastAPI, settings: Settings, hooks: AppHooks, enabled: list[ModuleSpec], apply: ApplyInitData | None) -> None:
    inits = [(spec.name, fn) for spec in enabled if (fn := _init_for(spec, apply)) is not None]
    extension = getattr(app.state, BUSINESS_INIT_STATE, None)
    if isinstance(extension, list):  # the system's runner isolates and records failures
        extension.extend(inits)
        return
    wrapped = [_isolated(app, settings, name, fn) for name, fn in inits]

    async def run_business_inits() -> None:
        for fn in wrapped:
            await fn()

    if wrapped:
        hooks.on_init("business modules", run_business_inits)


def _register_subscribers(hooks: AppHooks, enabled: list[ModuleSpec]) -> None:
    """Subscribe while the app runs (worker start → shutdown), so a stopped app leaves the bus clean."""
    pairs = [pair for spec in enabled if spec.manifest for pair in spec.manifest.subscribers]
    if not pairs:
        return

    async def subscribe() -> None:
        for event, handler in pairs:
            bus.subscribe(event, handler)

    async def unsubscribe() -> None:
        for event, handler in pairs:
            bus.unsubscribe(event, handler)

    hooks.on_worker_start("business event subscribers", subscribe)
    hooks.on_shutdown("business event subscribers", unsubscribe)


def _register_tasks(app: FastAPI, hooks: AppHooks, enabled: list[ModuleSpec], settings: Settings) -> None:
    declared: list[PeriodicTask] = [task for spec in enabled if spec.manifest for task in spec.manifest.tasks]
    tasks = check_unique_names([*declared, make_outbox_dispatch_task(interval_seconds=settings.OUTBOX_DISPATCH_INTERVAL_SECONDS)])
    app.state.periodic_tasks = tasks

    async def start_tasks() -> None:
        runner = TaskRunner(app.state.redis, tasks)
        runner.start()
        app.state.task_runner = runner

    async def stop_tasks() -> None:
        runner: TaskRunner | None = getattr(app.state, "task_runner", None)
        if runner is not None:
            await runner.stop()

    hooks.on_worker_start("periodic tasks", start_tasks)
    hooks.on_shutdown("periodic tasks", stop_tasks)
