"""Build the app offline (``create_app``; no server, no lifespan) and read its business modules."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI
from tortoise.models import Model

from app.cli.commands._common import CliError, load_settings
from app.core.autodiscover import ModuleSpec
from app.core.business.wiring import BUSINESS_PREFIX
from app.core.router import RouteInfo, get_route_info


@dataclass
class LoadedApp:
    app: FastAPI
    modules: list[ModuleSpec]
    routes: list[RouteInfo]


def load_app() -> LoadedApp:
    """The app as the server would build it, or a one-line error naming the failing module."""
    from app import create_app

    settings = load_settings()
    try:
        app = create_app(settings)
    except Exception as exc:  # noqa: BLE001 - any start-up error becomes one CLI line
        raise CliError(f"the app cannot be built: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    modules: list[ModuleSpec] = list(getattr(app.state, "business_modules", []))
    return LoadedApp(app, modules, get_route_info(app))


def module_routes(loaded: LoadedApp, name: str) -> list[RouteInfo]:
    prefix = f"{BUSINESS_PREFIX}/{name}"
    return [r for r in loaded.routes if r.path == prefix or r.path.startswith(prefix + "/")]


def masked(url: str) -> str:
    """A database URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def model_names(spec: ModuleSpec) -> list[str]:
    """Concrete Tortoise models defined in the module's ``models`` (already imported by discovery)."""
    if spec.models_module is None:
        return []
    module = importlib.import_module(spec.models_module)
    return sorted(
        name
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, Model) and obj.__module__ == module.__name__ and not obj._meta.abstract
    )
