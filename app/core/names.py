"""The naming rule shared by module-declared events, data policies and periodic tasks."""

from __future__ import annotations

import re

#: Dotted lowercase, at least two parts: ``<module>.<what>`` (e.g. ``inventory.stock_check``).
DOTTED_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
