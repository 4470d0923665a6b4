"""Name rules and derived names (module, model, plural, route keys, button codes)."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from app.cli.commands._common import UsageError

MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_MODULES = frozenset({"system", "core", "utils", "cli", "business", "api", "test", "tests"})


def check_module_name(name: str) -> str:
    """The module name if it is a safe package name, else a usage error (no paths, no keywords)."""
    if not MODULE_NAME.fullmatch(name or "") or keyword.iskeyword(name) or name in RESERVED_MODULES:
        raise UsageError(f"invalid module name {name!r}: use lowercase letters, digits and underscores, starting with a letter")
    return name


def business_dir(root: Path, module: str) -> Path:
    """``<root>/app/business/<module>``, guaranteed to stay inside ``app/business``."""
    base = (root / "app" / "business").resolve()
    target = (base / check_module_name(module)).resolve()
    if target.parent != base:
        raise UsageError(f"module path escapes app/business: {module!r}")
    return target


def snake(name: str) -> str:
    """``PurchaseOrder`` -> ``purchase_order``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


def plural(word: str) -> str:
    """English plural of a snake_case word (last segment only)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"
