"""The manifest a module exports from ``module.py``: ``module = BusinessModule(...)``."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter

from app.core.events import EventSpec, Handler
from app.core.policy import DataPolicy
from app.core.tasks import PeriodicTask

MODULE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
AuthMode = Literal["permission", "auth", "public"]
InitFn = Callable[[], Awaitable[None]]


class ModuleConfigError(RuntimeError):
    """A module's manifest or files are inconsistent; start-up stops with this message."""


@dataclass(frozen=True)
class BusinessRouter:
    """A router of the module, mounted at ``/api/v1/business/<module><prefix>``.

    ``auth``: ``"permission"`` (login + role grants the API, the default),
    ``"auth"`` (login only) or ``"public"`` (no check).
    """

    router: APIRouter
    prefix: str = ""
    auth: AuthMode = "permission"
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.auth not in ("permission", "auth", "public"):
            raise ModuleConfigError(f"BusinessRouter.auth must be permission|auth|public, not {self.auth!r}")
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ModuleConfigError(f"BusinessRouter.prefix {self.prefix!r} must start with '/' and not end with '/'")


@dataclass(frozen=True)
class PermissionSpec:
    """Declared menus, buttons, roles, users and dictionaries (the ``apply_init_data`` spec).

    It is applied by the start-up leader when the module has no ``init`` and
    can be audited before start-up (``init-plan``).
    """

    init_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BusinessModule:
    """Everything a module plugs in, declared in one place.

    Args:
        name: the directory name (``^[a-z][a-z0-9_]*$``).
        title, version: shown by ``module-list``.
        depends_on: modules that must be enabled (and are initialised) first.
        router / routers: one permission-checked router, or several ``BusinessRouter``.
        init: async seed function run by the start-up leader (wins over ``permissions``).
        permissions: declarative seed spec applied when there is no ``init``.
        events: declared events (``EventSpec``), documentation and outbox delivery.
        data_policies: row filters / object checks registered by name.
        tasks: periodic tasks (``PeriodicTask``).
        rate_limits: ``{full path: (requests, window_s)}`` for the rate limiter.
        subscribers: ``(event name, handler)`` pairs put on the event bus when the module is enabled.
        demo: a demo/reference module, loaded only when listed in ``BUSINESS_MODULES_ENABLED``.
    """

    name: str
    title: str = ""
    version: str = "0.1.0"
    depends_on: tuple[str, ...] = ()
    router: APIRouter | None = None
    routers: tuple[BusinessRouter, ...] = ()
    init: InitFn | None = None
    permissions: PermissionSpec | None = None
    events: tuple[EventSpec, ...] = ()
    data_policies: tuple[DataPolicy, ...] = ()
    tasks: tuple[PeriodicTask, ...] = ()
    rate_limits: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    subscribers: tuple[tuple[str, Handler], ...] = ()
    demo: bool = False

    def __post_init__(self) -> None:
        if not MODULE_NAME_RE.match(self.name):
            raise ModuleConfigError(f"module name {self.name!r} must match ^[a-z][a-z0-9_]*$")
        if self.router is not None and self.routers:
            raise ModuleConfigError(f"module {self.name}: declare either router or routers, not both")
        object.__setattr__(self, "depends_on", tuple(dict.fromkeys(self.depends_on)))
        object.__setattr__(self, "routers", tuple(self.routers))
        object.__setattr__(self, "events", tuple(self.events))
        object.__setattr__(self, "data_policies", tuple(self.data_policies))
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "subscribers", tuple(self.subscribers))
        if not self.title:
            object.__setattr__(self, "title", self.name)

    def mounted_routers(self) -> list[BusinessRouter]:
        """``routers``, or ``router`` as one permission-checked router."""
        if self.router is not None:
            return [BusinessRouter(self.router)]
        return list(self.routers)
