"""Generic CRUD: ``CRUDBase``, ``build_search`` and the ``orderBy`` whitelist."""

from app.core.crud.base import CRUDBase, dump_payload
from app.core.crud.search import SECRET_MARKERS, build_search, default_sortable_fields, is_secret_column, needs_distinct, resolve_order
from app.core.crud.tree import build_tree, transform_records

__all__ = [
    "SECRET_MARKERS",
    "CRUDBase",
    "build_search",
    "build_tree",
    "default_sortable_fields",
    "dump_payload",
    "is_secret_column",
    "needs_distinct",
    "resolve_order",
    "transform_records",
]
