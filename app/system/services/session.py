"""Sessions: a user's token version kills every older token at once.

The database row is the truth; ``token_version:{uid}`` in Redis mirrors it
so the access check reads it in the same round trip as the epoch.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from tortoise.expressions import F

from app.core.authz import get_authz
from app.core.authz.keys import token_version_key
from app.core.exceptions import NotFoundError
from app.system.models import User

__all__ = ["invalidate_user_session"]


async def invalidate_user_session(user_id: int) -> int:
    """End every session of ``user_id``: DB increment, then Redis SET; returns the new version.

    Raises ``NotFoundError`` (1101) when the user does not exist. The next
    request with an older token gets 2106 in every worker (2102 first if the
    user is disabled).
    """
    updated = await User.filter(id=user_id).update(token_version=F("token_version") + 1)
    if not updated:
        raise NotFoundError
    raw: Any = await User.filter(id=user_id).first().values_list("token_version", flat=True)
    version = int(raw or 0)
    runtime = get_authz()

    async def publish(redis: Redis) -> Any:
        return await redis.set(token_version_key(user_id), version)

    await runtime.call("session invalidation", publish)
    await runtime.touch_user(user_id)
    return version
