"""Fill the template files under ``app/cli/templates`` (``string.Template``: ``$name`` / ``${name}``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """The template ``name`` with every placeholder filled (a missing value is a bug: KeyError)."""
    return _template(name).substitute({key: str(value) for key, value in values.items()})
