"""The embedded Valkey: a real server started once per data folder, stopped on request."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import redis

from app.core.redis import create_redis, embedded_socket, ensure_embedded_redis, stop_embedded_redis


def servers_on(socket_path: Path) -> list[psutil.Process]:
    """valkey-server processes listening on this socket (a daemon shows it in its title)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        title = " ".join(proc.info.get("cmdline") or [])
        if "valkey-server" in title and str(socket_path) in title:
            found.append(proc)
    return found


def wait_gone(socket_path: Path, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not servers_on(socket_path):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    yield path
    stop_embedded_redis(path)
    assert wait_gone(embedded_socket(path))


def test_ensure_starts_a_real_server_and_stop_stops_it(data_dir: Path) -> None:
    url = ensure_embedded_redis(data_dir)
    sock = embedded_socket(data_dir)
    assert url == f"unix://{sock}?db=0"
    client = redis.Redis.from_url(url)
    assert client.set("k", "v") and client.get("k") == b"v"
    assert "valkey_version" in client.info("server"), "a real Valkey server answers"
    client.close()
    assert len(servers_on(sock)) == 1
    assert ensure_embedded_redis(data_dir) == url, "a running server is reused"
    assert len(servers_on(sock)) == 1
    stop_embedded_redis(data_dir)
    assert wait_gone(sock)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_timeout=1).ping()
    stop_embedded_redis(data_dir)  # stopping a stopped server is a no-op


def test_two_concurrent_ensure_calls_start_only_one_server(data_dir: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        urls = list(pool.map(ensure_embedded_redis, [data_dir] * 4))
    assert len(set(urls)) == 1
    assert len(servers_on(embedded_socket(data_dir))) == 1


async def test_the_async_client_talks_to_it_with_string_replies(data_dir: Path) -> None:
    client = create_redis(ensure_embedded_redis(data_dir))
    try:
        await client.set("greeting", "hello")
        assert await client.get("greeting") == "hello"
    finally:
        await client.aclose()
