"""A small finite-state machine for a model's status column.

``transition`` writes with one conditional UPDATE (``WHERE id = ? AND
<field> = <from> [AND <version> = ?]``), so of two concurrent transitions from
the same state only one can win; the loser gets ``Code.VERSION_CONFLICT``
(2306). A target the table does not allow raises the machine's error code
(default ``Code.INVALID_STATE_TRANSITION``, 2407; modules pass their own).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

from tortoise import timezone
from tortoise.expressions import F
from tortoise.models import Model

from app.core.code import Code
from app.core.exceptions import BizError, ConflictError, NotFoundError
from app.core.model import current_actor

M = TypeVar("M", bound=Model)
LogFn = Callable[[Any, str, str], Awaitable[None] | None]


def _value(state: Any) -> str:
    return str(state.value) if isinstance(state, Enum) else str(state)


class StateMachine:
    """Allowed transitions of one status field, e.g. ``{"draft": ["active"], "active": ["archived"]}``.

    Args:
        transitions: source state -> states it may move to.
        field: the model attribute holding the state.
        error_code: code raised for a transition the table does not allow.
        version_field: optional integer column used as an optimistic lock; it
            is incremented by every transition.
    """

    def __init__(
        self,
        transitions: Mapping[Any, Iterable[Any]],
        *,
        field: str = "status",
        error_code: str | Code = Code.INVALID_STATE_TRANSITION,
        version_field: str | None = None,
    ) -> None:
        self.transitions: dict[str, tuple[str, ...]] = {
            _value(src): tuple(_value(t) for t in targets) for src, targets in transitions.items()
        }
        self.field = field
        self.error_code = str(error_code)
        self.version_field = version_field

    def allowed(self, source: Any, target: Any) -> bool:
        """True when ``source`` may move to ``target``."""
        return _value(target) in self.transitions.get(_value(source), ())

    def allowed_targets(self, source: Any) -> list[str]:
        """The states reachable from ``source`` in one step (declaration order)."""
        return list(self.transitions.get(_value(source), ()))

    async def transition(
        self,
        obj: M,
        target: Any,
        *,
        extra_updates: Mapping[str, Any] | None = None,
        log_fn: LogFn | None = None,
    ) -> M:
        """Move ``obj`` to ``target`` atomically and return it updated.

        Raises:
            BizError(error_code): the transition is not allowed from the current state.
            ConflictError(2306): another writer changed the state/version first.
            NotFoundError(1101): the row no longer exists.
        """
        source = _value(getattr(obj, self.field))
        goal = _value(target)
        if not self.allowed(source, goal):
            raise BizError(self.error_code)
        updates, conditions = self._statement(obj, source, goal, extra_updates)
        model = type(obj)
        changed = await model.filter(pk=obj.pk, **conditions).update(**updates)
        if changed == 0:
            if not await model.filter(pk=obj.pk).exists():
                raise NotFoundError()
            raise ConflictError(Code.VERSION_CONFLICT)
        self._apply(obj, goal, updates)
        if log_fn is not None:
            result = log_fn(obj, source, goal)
            if inspect.isawaitable(result):
                await result
        return obj

    def _statement(self, obj: Model, source: str, goal: str, extra: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
        fields_map = obj._meta.fields_map
        updates: dict[str, Any] = dict(extra or {})
        updates[self.field] = goal
        conditions: dict[str, Any] = {self.field: source}
        if self.version_field:
            conditions[self.version_field] = getattr(obj, self.version_field)
            updates[self.version_field] = F(self.version_field) + 1
        if "updated_at" in fields_map and "updated_at" not in updates:
            updates["updated_at"] = timezone.now()
        if "updated_by" in fields_map and "updated_by" not in updates:
            updates["updated_by"] = current_actor()
        return updates, conditions

    def _apply(self, obj: Model, goal: str, updates: dict[str, Any]) -> None:
        for name, value in updates.items():
            if name == self.version_field:
                setattr(obj, name, int(getattr(obj, name)) + 1)
            elif name == self.field:
                current = getattr(obj, name)
                setattr(obj, name, type(current)(goal) if isinstance(current, Enum) else goal)
            else:
                setattr(obj, name, value)
