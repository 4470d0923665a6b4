"""The dependency-direction contract, checked by reading imports (no code is run).

STYLE rule 3 as code: ``app.core`` imports nothing above it; business modules
import only ``app.utils`` and ``app.system.services`` (never each other); inside
``app.system`` the layers point down (api → services → controllers → models)
and services never import the web framework. ``python -m app.cli
check-boundaries`` and the test suite both call ``check_boundaries``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Violation", "check_boundaries", "module_imports"]

#: What a business module may import from inside ``app`` (besides itself).
_BUSINESS_ALLOWED = ("app.utils", "app.system.services")
#: System layers, top to bottom; a layer may import only the layers below it.
_SYSTEM_LAYERS = ("api", "services", "controllers", "models")
#: Web-framework packages that services must not know about.
_WEB_FRAMEWORK = ("fastapi", "starlette")


@dataclass(frozen=True, order=True)
class Violation:
    """One import that breaks the contract."""

    path: str
    line: int
    importer: str
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.rule})"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    """Dotted name of ``path`` under ``root`` and whether it is a package ``__init__``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """Absolute module named by a (possibly relative) ``from`` import."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, node.module] if node.module else base)


def module_imports(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute name) of every import in ``path``; ``from x import y`` yields ``x.y``."""
    module, is_package = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, is_package)
            for alias in node.names:
                yield node.lineno, target if alias.name == "*" else f"{target}.{alias.name}".lstrip(".")


def _system_layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["app", "system"] and parts[2] in _SYSTEM_LAYERS:
        return parts[2]
    return None


def _private_service(imported: str, service_modules: frozenset[str]) -> bool:
    """True for ``app.system.services.<submodule>…``: only the package's exported names are public."""
    parts = imported.split(".")
    return parts[:3] == ["app", "system", "services"] and len(parts) >= 4 and parts[3] in service_modules


def _rule_for(importer: str, imported: str, service_modules: frozenset[str] = frozenset()) -> str | None:
    """The broken rule's description, or None when the import is allowed."""
    if _within(importer, "app.core") and _within(imported, "app") and not _within(imported, "app.core"):
        return "app.core imports nothing above it"
    parts = importer.split(".")
    if parts[:2] == ["app", "business"] and len(parts) >= 3:
        own = ".".join(parts[:3])
        if _within(imported, "app") and not _within(imported, own) and not any(_within(imported, p) for p in _BUSINESS_ALLOWED):
            return "business modules import only app.utils and app.system.services"
        if _private_service(imported, service_modules):
            return "business modules import the names app.system.services exports, not its submodules"
    importer_layer, imported_layer = _system_layer(importer), _system_layer(imported)
    if importer_layer and imported_layer and _SYSTEM_LAYERS.index(imported_layer) < _SYSTEM_LAYERS.index(importer_layer):
        return f"system {importer_layer} must not import system {imported_layer}"
    if importer_layer == "services" and any(_within(imported, p) for p in _WEB_FRAMEWORK):
        return "system services never import the web framework"
    return None


def check_boundaries(root: Path) -> list[Violation]:
    """Every contract-breaking import in the ``app`` package under ``root`` (the project folder)."""
    violations: set[Violation] = set()
    package = root / "app"
    services_dir = package / "system" / "services"
    service_modules = (
        frozenset(p.stem for p in services_dir.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists())
        if services_dir.is_dir()
        else frozenset()
    )
    for path in sorted(package.rglob("*.py")):
        if "templates" in path.relative_to(package).parts:
            continue
        importer, _ = _module_name(path, root)
        for line, imported in module_imports(path, root):
            rule = _rule_for(importer, imported, service_modules)
            if rule is not None:
                violations.add(Violation(path.relative_to(root).as_posix(), line, importer, imported, rule))
    return sorted(violations)
