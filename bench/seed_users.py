"""Bulk-insert synthetic users straight into the database (run with the server stopped).

``python -m bench.seed_users COUNT`` with the server's environment; every
third user also gets role R_USER so the role filter has work to do.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from tortoise import Tortoise

from app import create_app
from app.core.database import init_db


async def seed(count: int) -> None:
    app = create_app()
    await init_db(app.state.tortoise_config)
    from app.system.models import Role, User

    existing = await User.all().count()
    role = await Role.get(role_code="R_USER")
    password = (await User.get(user_name="User")).password
    batch = 5000
    start = time.perf_counter()
    made = 0
    while made < count:
        size = min(batch, count - made)
        users = [
            User(user_name=f"bench{existing + made + i:07d}", password=password, nick_name=f"Bench {made + i}", user_email=None)
            for i in range(size)
        ]
        await User.bulk_create(users, batch_size=1000)
        made += size
        print(f"  seeded {made}/{count} users ({time.perf_counter() - start:.1f}s)", flush=True)
    ids: list[Any] = list(await User.filter(user_name__startswith="bench").values_list("id", flat=True))
    conn = Tortoise.get_connection("conn_system")
    tagged = [int(i) for i in ids][::3]
    for offset in range(0, len(tagged), 2000):
        chunk = tagged[offset : offset + 2000]
        values = ", ".join(f"({uid}, {role.id})" for uid in chunk)
        await conn.execute_script(f"INSERT INTO user_role (users_id, role_id) VALUES {values}")
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(seed(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
