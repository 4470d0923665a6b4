"""Model field -> schema field (the cheat sheet in docs/cli.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.cli.commands._gen.parse import FieldInfo

#: Tortoise field class -> (annotation, import line needed or "")
SIMPLE_TYPES: dict[str, tuple[str, str]] = {
    "CharField": ("str", ""),
    "TextField": ("str", ""),
    "IntField": ("int", ""),
    "SmallIntField": ("int", ""),
    "BigIntField": ("int", ""),
    "PositiveIntField": ("int", ""),
    "BooleanField": ("bool", ""),
    "FloatField": ("float", ""),
    "DecimalField": ("Decimal", "from decimal import Decimal"),
    "DateField": ("date", "from datetime import date"),
    "DatetimeField": ("datetime", "from datetime import datetime"),
    "TimeField": ("time", "from datetime import time"),
    "UUIDField": ("UUID", "from uuid import UUID"),
    "JSONField": ("Any", "from typing import Any"),
    "BinaryField": ("bytes", ""),
}
INT_BOUNDS = {"SmallIntField": "Int16", "IntField": "Int32", "BigIntField": "Int64"}


@dataclass
class SchemaField:
    name: str
    annotation: str
    constraints: list[str] = field(default_factory=list)
    default: str | None = None
    imports: set[str] = field(default_factory=set)
    utils: set[str] = field(default_factory=set)
    enum: str | None = None

    def line(self, *, optional: bool = False) -> str:
        """``name: T = ...`` as a class-body line (optional: ``T | None = None``)."""
        annotation = self.annotation if not optional or self.annotation == "Any" else f"{self.annotation} | None"
        default = "None" if optional else self.default
        if self.constraints:
            args = ([f"default={default}"] if default is not None else []) + self.constraints
            return f"    {self.name}: {annotation} = Field({', '.join(args)})"
        return f"    {self.name}: {annotation}" + (f" = {default}" if default is not None else "")


def _default(info: FieldInfo, annotation: str) -> str | None:
    if info.default_src is not None:
        # An enum member of this module keeps its value; any other expression is left to the database.
        return info.default_src if info.enum and info.default_src.startswith(f"{info.enum}.") else "None"
    if info.has_default:
        if annotation == "Decimal":
            return f'Decimal("{info.default}")'
        if info.enum and info.default is not None:
            return f"{info.enum}({info.default!r})"
        return repr(info.default)
    return "None" if info.null else None


def schema_field(info: FieldInfo) -> SchemaField:
    """The Create-schema field of a model column."""
    if info.is_relation:
        out = SchemaField(info.name, "SqidId", utils={"SqidId"})
    elif info.enum:
        out = SchemaField(info.name, info.enum, enum=info.enum)
    else:
        annotation, imp = SIMPLE_TYPES.get(info.kind, ("Any", "from typing import Any"))
        out = SchemaField(info.name, annotation, imports={imp} if imp else set())
        if info.kind in INT_BOUNDS:
            out.annotation = INT_BOUNDS[info.kind]
            out.utils.add(out.annotation)
        if info.kind == "CharField" and isinstance(info.options.get("max_length"), int):
            out.constraints.append(f"max_length={info.options['max_length']}")
        if info.kind == "DecimalField":
            for key in ("max_digits", "decimal_places"):
                if isinstance(info.options.get(key), int):
                    out.constraints.append(f"{key}={info.options[key]}")
    out.default = _default(info, out.annotation)
    if out.default == "None" and not out.annotation.endswith("None") and out.annotation != "Any":
        out.annotation = f"{out.annotation} | None"
    if info.description:
        out.constraints.append(f"description={info.description!r}")
    return out
