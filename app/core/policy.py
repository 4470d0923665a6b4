"""Row-level data policies declared by business modules.

A ``DataPolicy`` has a dotted name, a model, an action and two functions:
``build_filter(ctx) -> Q | None`` narrows list queries, ``check_object(ctx,
obj) -> bool`` guards single-object reads and writes. Policies are registered
by name when the app is created (``register_policies``); services and the
CRUD router look them up with ``get_policy``. A failed object check raises
``PermissionDeniedError`` (2201).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.core.authz import SUPER_ADMIN_ROLE
from app.core.ctx import CTX_BUTTON_CODES, CTX_ROLE_CODES, CTX_USER_ID
from app.core.exceptions import PermissionDeniedError
from app.core.names import DOTTED_NAME_RE

PolicyAction = Literal["read", "get", "create", "update", "delete"]
FilterFn = Callable[["PolicyContext"], Q | Awaitable[Q | None] | None]
CheckFn = Callable[["PolicyContext", Any], bool | Awaitable[bool]]


class PolicyError(ValueError):
    """A policy declaration is invalid or its name is taken."""


@dataclass(frozen=True)
class PolicyContext:
    """Who is asking: read from the request context by ``PolicyContext.current``."""

    user_id: int
    role_codes: tuple[str, ...] = ()
    button_codes: frozenset[str] = frozenset()
    redis: Any = None
    module: str | None = None

    @property
    def is_super(self) -> bool:
        return SUPER_ADMIN_ROLE in self.role_codes

    @classmethod
    def current(cls, *, redis: Any = None, module: str | None = None) -> PolicyContext:
        """The context of the authenticated request in progress."""
        return cls(CTX_USER_ID.get(), tuple(CTX_ROLE_CODES.get()), frozenset(CTX_BUTTON_CODES.get()), redis, module)


@dataclass(frozen=True)
class DataPolicy:
    """A named row filter and object check for one model and action.

    Super administrators bypass every policy. Either function may be omitted
    (no filter / every object allowed) and may be sync or async.
    """

    name: str
    model: type[Model]
    action: PolicyAction = "read"
    build_filter: FilterFn | None = None
    check_object: CheckFn | None = None
    module: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not DOTTED_NAME_RE.match(self.name):
            raise PolicyError(f"policy name {self.name!r} must be dotted lowercase, e.g. 'inventory.product.read'")
        if self.action not in ("read", "get", "create", "update", "delete"):
            raise PolicyError(f"policy {self.name}: unknown action {self.action!r}")

    async def filter_for(self, ctx: PolicyContext) -> Q | None:
        """The Q to AND into list queries (None = no restriction)."""
        if ctx.is_super or self.build_filter is None:
            return None
        result = self.build_filter(ctx)
        return await result if inspect.isawaitable(result) else result

    async def allows(self, ctx: PolicyContext, obj: Any) -> bool:
        if ctx.is_super or self.check_object is None:
            return True
        result = self.check_object(ctx, obj)
        return bool(await result if inspect.isawaitable(result) else result)


_REGISTRY: dict[str, DataPolicy] = {}


def register_policies(policies: Iterable[DataPolicy]) -> None:
    """Register by name; re-registering the same policy is a no-op, a different one with a taken name is an error."""
    for policy in policies:
        existing = _REGISTRY.get(policy.name)
        if existing is not None and existing != policy:
            raise PolicyError(f"data policy {policy.name!r} is declared twice")
        _REGISTRY[policy.name] = policy


def get_policy(name: str) -> DataPolicy:
    """The registered policy ``name`` (``KeyError`` names the missing policy)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"data policy {name!r} is not registered") from None


def registered_policies() -> list[str]:
    return sorted(_REGISTRY)


async def apply_policy_filter(policy: str | DataPolicy, query: QuerySet[Any], ctx: PolicyContext | None = None) -> QuerySet[Any]:
    """``query`` narrowed by the policy's row filter for the current user."""
    chosen = get_policy(policy) if isinstance(policy, str) else policy
    condition = await chosen.filter_for(ctx or PolicyContext.current())
    return query if condition is None else query.filter(condition)


async def assert_object_policy(policy: str | DataPolicy, obj: Any, ctx: PolicyContext | None = None) -> None:
    """Raise ``PermissionDeniedError`` (2201) unless the policy allows ``obj``."""
    chosen = get_policy(policy) if isinstance(policy, str) else policy
    if not await chosen.allows(ctx or PolicyContext.current(), obj):
        raise PermissionDeniedError()
