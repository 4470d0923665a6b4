"""Find the business modules under a package (default ``app.business``).

Rules (Django's): a module is a sub-directory with ``__init__.py`` whose name
does not start with ``_``; a missing optional file (``models.py``,
``module.py``, ``api``, ``init_data.py``, ``config.py``) is skipped; a file
that exists but fails to import stops start-up with ``ModuleImportError``
naming the module and the cause. Drift (no routes, ``api`` without a valid
``router``, ``model.py`` instead of ``models.py``, a directory without
``__init__.py``) is logged. ``discover_modules`` returns a sorted list of
``ModuleSpec`` (dependencies first) and changes no global state.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from fastapi import APIRouter
from loguru import logger

from app.core.business.manifest import MODULE_NAME_RE, BusinessModule, BusinessRouter, InitFn, ModuleConfigError


class ModuleImportError(RuntimeError):
    """A business module exists but one of its files cannot be imported."""


@dataclass(frozen=True)
class ModuleSpec:
    """What discovery found for one module (enabled or runtime-disabled)."""

    name: str
    package: str
    path: Path
    enabled: bool
    manifest: BusinessModule | None = None
    models_module: str | None = None
    db_url: str | None = None
    routers: tuple[BusinessRouter, ...] = ()
    legacy_router: APIRouter | None = None
    init: InitFn | None = None
    init_data: dict[str, Any] | None = None
    rate_limits: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def source(self) -> Literal["manifest", "legacy"]:
        return "manifest" if self.manifest is not None else "legacy"

    @property
    def own_database(self) -> bool:
        return self.db_url is not None

    @property
    def orm_app(self) -> str:
        return f"app_{self.name}"

    @property
    def connection(self) -> str:
        return f"conn_{self.name}"


def _import(module_name: str, path: str) -> ModuleType:
    try:
        return importlib.import_module(path)
    except Exception as exc:
        raise ModuleImportError(f"business module {module_name!r}: cannot import {path}: {type(exc).__name__}: {exc}") from exc


def _has(directory: Path, name: str) -> bool:
    """True when ``name.py`` or ``name/__init__.py`` exists in ``directory``."""
    return (directory / f"{name}.py").is_file() or (directory / name / "__init__.py").is_file()


def _candidates(package: str) -> list[tuple[str, Path]]:
    root = _import(package, package)
    out: list[tuple[str, Path]] = []
    for base in getattr(root, "__path__", []):
        for entry in sorted(Path(base).iterdir()):
            if not entry.is_dir() or entry.name.startswith(("_", ".")):
                continue
            if not (entry / "__init__.py").is_file():
                if any(entry.glob("*.py")):
                    logger.warning("business: {} has Python files but no __init__.py; not loaded", entry)
                continue
            if not MODULE_NAME_RE.match(entry.name):
                logger.warning("business: directory {} is not a valid module name (^[a-z][a-z0-9_]*$); not loaded", entry.name)
                continue
            out.append((entry.name, entry))
    return out


def _manifest(name: str, path: Path, dotted: str) -> BusinessModule | None:
    if not _has(path, "module"):
        return None
    found = getattr(_import(name, f"{dotted}.module"), "module", None)
    if not isinstance(found, BusinessModule):
        raise ModuleConfigError(f"business module {name!r}: module.py must export module = BusinessModule(...)")
    if found.name != name:
        raise ModuleConfigError(f"business module {name!r}: manifest name {found.name!r} differs from the directory name")
    return found


def _models(name: str, path: Path, dotted: str) -> str | None:
    if _has(path, "models"):
        return f"{dotted}.models"
    if (path / "model.py").is_file():
        logger.warning("business: {} has model.py; rename it to models.py to register its models", name)
    return None


def _own_db_url(name: str, path: Path, dotted: str, main_db_url: str) -> str | None:
    if not _has(path, "config"):
        return None
    config = _import(name, f"{dotted}.config")
    for attr in sorted(vars(config)):
        url = getattr(getattr(config, attr), "DB_URL", None)
        if url and isinstance(url, str):  # a class with a DB_URL property yields a property object: skipped
            return url if url != main_db_url else None
    return None


def _legacy_router(name: str, path: Path, dotted: str) -> APIRouter | None:
    if not _has(path, "api"):
        return None
    router = getattr(_import(name, f"{dotted}.api"), "router", None)
    if not isinstance(router, APIRouter):
        logger.warning("business: {}.api has no valid `router` (an APIRouter); nothing mounted", name)
        return None
    return router


def _init(name: str, path: Path, dotted: str) -> tuple[InitFn | None, dict[str, Any] | None]:
    if not _has(path, "init_data"):
        return None, None
    loaded = _import(name, f"{dotted}.init_data")
    init = getattr(loaded, "init", None)
    data = getattr(loaded, "INIT_DATA", None)
    return (init if callable(init) else None), (data if isinstance(data, dict) else None)


def _rate_limits(name: str, path: Path, dotted: str, manifest: BusinessModule | None) -> dict[str, tuple[int, int]]:
    declared: dict[str, Any] = {}
    for sub in ("api", "api.manage"):
        if _has(path, sub.replace(".", "/")):
            declared.update(getattr(_import(name, f"{dotted}.{sub}"), "ENDPOINT_RATE_LIMITS", None) or {})
    if manifest is not None:
        declared.update(manifest.rate_limits)
    valid: dict[str, tuple[int, int]] = {}
    for route, limit in declared.items():
        ok = isinstance(route, str) and route.startswith("/") and isinstance(limit, tuple | list) and len(limit) == 2
        if ok and all(isinstance(v, int) and v > 0 for v in limit):
            valid[route] = (int(limit[0]), int(limit[1]))
        else:
            logger.warning("business: {} declares an invalid rate limit {!r}: {!r}; skipped", name, route, limit)
    return valid


def _inspect(name: str, path: Path, package: str, main_db_url: str, *, enabled: bool, demo_allowed: bool) -> ModuleSpec | None:
    dotted = f"{package}.{name}"
    _import(name, dotted)
    manifest = _manifest(name, path, dotted)
    if manifest is not None and manifest.demo and not demo_allowed:
        logger.info("business: demo module {} is off (list it in BUSINESS_MODULES_ENABLED to load it)", name)
        return None
    spec = ModuleSpec(name, dotted, path, enabled, manifest, _models(name, path, dotted))
    if spec.models_module is not None:
        spec = replace(spec, db_url=_own_db_url(name, path, dotted, main_db_url))
    if not enabled:
        return spec
    routers = tuple(manifest.mounted_routers()) if manifest else ()
    legacy = None if manifest else _legacy_router(name, path, dotted)
    init, init_data = _init(name, path, dotted)
    if manifest is not None and manifest.init is not None:
        init = manifest.init
    if not routers and legacy is None:
        logger.info("business: module {} has no routes", name)
    limits = _rate_limits(name, path, dotted, manifest)
    return replace(spec, routers=routers, legacy_router=legacy, init=init, init_data=init_data, rate_limits=limits)


def discover_modules(
    package: str = "app.business",
    *,
    main_db_url: str = "",
    disabled: Iterable[str] = (),
    enabled: Iterable[str] = (),
) -> list[ModuleSpec]:
    """Every module under ``package``, sorted (dependencies first).

    ``disabled`` modules keep their models (tables stay consistent) but get
    no routes, init, policies, tasks or rate limits. Demo modules
    (``demo=True``) are skipped entirely unless listed in ``enabled``.
    """
    importlib.invalidate_caches()
    off, on = set(disabled), set(enabled)
    specs: list[ModuleSpec] = []
    for name, path in _candidates(package):
        spec = _inspect(name, path, package, main_db_url, enabled=name not in off, demo_allowed=name in on)
        if spec is not None:
            specs.append(spec)
    return order_by_dependencies(specs)


def order_by_dependencies(specs: list[ModuleSpec]) -> list[ModuleSpec]:
    """Name order, with every enabled module after the modules it depends on."""
    by_name = {spec.name: spec for spec in specs}
    ordered: list[ModuleSpec] = []
    state: dict[str, str] = {}

    def visit(spec: ModuleSpec, trail: tuple[str, ...]) -> None:
        if state.get(spec.name) == "done":
            return
        if state.get(spec.name) == "visiting":
            raise ModuleConfigError(f"business modules depend on each other in a cycle: {' -> '.join((*trail, spec.name))}")
        state[spec.name] = "visiting"
        for dep in spec.manifest.depends_on if spec.manifest and spec.enabled else ():
            target = by_name.get(dep)
            if target is None:
                raise ModuleConfigError(f"business module {spec.name!r} depends on {dep!r}, which is not installed")
            if not target.enabled:
                raise ModuleConfigError(f"business module {spec.name!r} depends on {dep!r}, which is disabled")
            visit(target, (*trail, spec.name))
        state[spec.name] = "done"
        ordered.append(spec)

    for spec in sorted(specs, key=lambda s: s.name):
        visit(spec, ())
    return ordered
