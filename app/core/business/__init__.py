"""Business-module framework: manifests, discovery wiring and what modules declare.

A module exports ``module = BusinessModule(...)`` from ``module.py``; see
docs/business-modules.md. ``register_business`` (called by ``create_app``)
plugs every discovered module into the app.
"""

from app.core.business.manifest import (
    MODULE_NAME_RE,
    AuthMode,
    BusinessModule,
    BusinessRouter,
    InitFn,
    ModuleConfigError,
    PermissionSpec,
)
from app.core.events import EventSpec
from app.core.policy import DataPolicy, PolicyContext
from app.core.tasks import PeriodicTask, TaskContext

__all__ = [
    "MODULE_NAME_RE",
    "AuthMode",
    "BusinessModule",
    "BusinessRouter",
    "DataPolicy",
    "EventSpec",
    "InitFn",
    "ModuleConfigError",
    "PeriodicTask",
    "PermissionSpec",
    "PolicyContext",
    "TaskContext",
]
