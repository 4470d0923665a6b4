"""Redis key names of the permission cache (spec data.md §7, plus the epoch).

Values: ``role:{code}:menus`` JSON int[]; ``role:{code}:apis`` JSON
``[{method, path, status}]``; ``role:{code}:buttons`` JSON str[];
``role:{code}:data_scope`` plain string; ``user:{uid}:roles`` JSON str[]
(enabled codes, newest first); ``user:{uid}:role_home`` plain route name;
``token_version:{uid}`` integer string; ``constant_routes`` JSON array.
``authz:epoch`` and ``user:{uid}:rev`` are Trellis's own: integers
INCRemented after every write that changes who may see or call what
(globally, or for one user) — see docs/caching.md. ``authz:write_seq``
(a counter) and ``authz:written`` (hash: cache key → ticket of its last
write) order concurrent refreshes (``app.core.authz.writes``). ``data:version``
(a random token) is replaced after every committed database write.
"""

from __future__ import annotations

EPOCH_KEY = "authz:epoch"
#: A random token every committed database write replaces (validates ``app.core.page_cache``).
DATA_VERSION_KEY = "data:version"
RESYNC_LOCK_KEY = "authz:resync_lock"
WRITE_SEQ_KEY = "authz:write_seq"
WRITTEN_KEY = "authz:written"
CONSTANT_ROUTES_KEY = "constant_routes"
ROLE_KEY_KINDS = ("menus", "apis", "buttons", "data_scope")


def role_key(code: str, kind: str) -> str:
    """``role:{code}:{kind}`` with kind in menus/apis/buttons/data_scope."""
    return f"role:{code}:{kind}"


def role_keys(code: str) -> list[str]:
    """The four keys of one role."""
    return [role_key(code, kind) for kind in ROLE_KEY_KINDS]


def user_roles_key(user_id: int) -> str:
    return f"user:{user_id}:roles"


def user_home_key(user_id: int) -> str:
    return f"user:{user_id}:role_home"


def user_rev_key(user_id: int) -> str:
    """Trellis's per-user revision: INCRemented when the user's row or role links change."""
    return f"user:{user_id}:rev"


def token_version_key(user_id: int) -> str:
    return f"token_version:{user_id}"


def captcha_key(phone: str) -> str:
    return f"captcha:{phone}"
