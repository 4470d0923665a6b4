"""System monitor: host and process figures (psutil), DB pools and Redis INFO.

psutil calls that may block (process iteration, disk counters) run in a thread.
Keys are snake_case, as the frontend's monitor page reads them.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import time
from typing import Any

import psutil
from tortoise import connections

from app.core.redis import REDIS_ERRORS

_REDIS_FIELDS = (
    "redis_version",
    "uptime_in_seconds",
    "connected_clients",
    "used_memory",
    "used_memory_human",
    "maxmemory",
    "instantaneous_ops_per_sec",
    "keyspace_hits",
    "keyspace_misses",
    "role",
)


def event_loop_name() -> str:
    """The running event loop's package, "uvloop" or "asyncio": a worker on asyncio's loop serves far less."""
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def basic_info() -> dict[str, Any]:
    boot = psutil.boot_time()
    return {
        "hostname": socket.gethostname(),
        "os": platform.system(),
        "platform": platform.platform(),
        "architecture": platform.machine(),
        "python_version": platform.python_version(),
        "cpu_count": psutil.cpu_count(logical=True),
        "boot_time": int(boot * 1000),
        "uptime_seconds": int(time.time() - boot),
    }


def _cpu() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "usage_percent": psutil.cpu_percent(interval=None),
        "per_cpu_percent": psutil.cpu_percent(interval=None, percpu=True),
        "logical_count": psutil.cpu_count(logical=True),
        "physical_count": psutil.cpu_count(logical=False),
        "load_average": [round(x, 2) for x in load],
    }


def _memory() -> dict[str, Any]:
    mem, swap = psutil.virtual_memory(), psutil.swap_memory()
    return {
        "total": mem.total,
        "available": mem.available,
        "used": mem.used,
        "usage_percent": mem.percent,
        "swap_total": swap.total,
        "swap_used": swap.used,
        "swap_percent": swap.percent,
    }


def _disk() -> dict[str, Any]:
    usage = psutil.disk_usage("/")
    io = psutil.disk_io_counters()
    return {
        "total": usage.total,
        "used": usage.used,
        "usage_percent": usage.percent,
        "read_bytes": io.read_bytes if io else 0,
        "write_bytes": io.write_bytes if io else 0,
        "read_count": io.read_count if io else 0,
        "write_count": io.write_count if io else 0,
    }


def _network() -> dict[str, Any]:
    io = psutil.net_io_counters()
    return {"bytes_sent": io.bytes_sent, "bytes_recv": io.bytes_recv, "packets_sent": io.packets_sent, "packets_recv": io.packets_recv}


def _process() -> dict[str, Any]:
    proc = psutil.Process()
    with proc.oneshot():
        return {
            "pid": proc.pid,
            "rss": proc.memory_info().rss,
            "cpu_percent": proc.cpu_percent(interval=None),
            "threads": proc.num_threads(),
            "open_files": len(proc.open_files()),
            "uptime_seconds": int(time.time() - proc.create_time()),
        }


def _top_processes(limit: int = 10) -> list[dict[str, Any]]:
    rows = []
    for proc in psutil.process_iter(["pid", "name", "cpu_percent", "memory_percent", "status"]):
        info = proc.info
        rows.append({k: info.get(k) for k in ("pid", "name", "cpu_percent", "memory_percent", "status")})
    rows.sort(key=lambda r: (r["cpu_percent"] or 0, r["memory_percent"] or 0), reverse=True)
    return rows[:limit]


def _host_snapshot() -> dict[str, Any]:
    return {
        "cpu": _cpu(),
        "memory": _memory(),
        "disk_io": _disk(),
        "network_io": _network(),
        "process": _process(),
        "top_processes": _top_processes(),
    }


def pool_info(names: list[str]) -> dict[str, Any]:
    """Pool sizes per DB connection (asyncpg / asyncmy pools; SQLite has none)."""
    out: dict[str, Any] = {}
    for name in names:
        client = connections.get(name)
        pool = getattr(client, "_pool", None)
        info: dict[str, Any] = {"dialect": getattr(client.capabilities, "dialect", "?")}
        if pool is not None and hasattr(pool, "get_size"):
            info.update(size=pool.get_size(), idle=pool.get_idle_size(), max=pool.get_max_size())
        elif pool is not None and hasattr(pool, "maxsize"):
            info.update(size=pool.size, idle=pool.freesize, max=pool.maxsize)
        out[name] = info
    return out


async def redis_info(redis: Any) -> dict[str, Any]:
    if redis is None:
        return {"ok": False}
    try:
        info = await asyncio.wait_for(redis.info(), 2.0)
    except REDIS_ERRORS:
        return {"ok": False}
    except TimeoutError:
        return {"ok": False}
    return {"ok": True, **{k: info.get(k) for k in _REDIS_FIELDS}}


async def realtime(db_names: list[str], redis: Any) -> dict[str, Any]:
    snapshot = await asyncio.to_thread(_host_snapshot)
    memory = snapshot["memory"]
    snapshot["system_status"] = {
        "cpu_ok": snapshot["cpu"]["usage_percent"] < 90,
        "memory_ok": memory["usage_percent"] < 90,
        "disk_ok": snapshot["disk_io"]["usage_percent"] < 90,
        "db_pool": pool_info(db_names),
        "redis": await redis_info(redis),
    }
    snapshot["timestamp"] = int(time.time() * 1000)
    return snapshot


async def overview(db_names: list[str], redis: Any) -> dict[str, Any]:
    data = await realtime(db_names, redis)
    data.pop("timestamp", None)
    data["basic_info"] = {**await asyncio.to_thread(basic_info), "event_loop": event_loop_name()}
    return data
