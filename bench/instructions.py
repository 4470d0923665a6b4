"""``python -m bench.instructions``: what Radar costs a cached search, in instructions rather than time.

On a shared 2-core machine two identical servers, paired, read up to a
quarter apart in single rounds, as much as the 10 % Radar target they
decide. Instruction counts do not drift: under ``valgrind --tool=callgrind``
runs of the same code repeat within 0.01 %. Each variant (Radar off, Radar
on) runs the app in-process twice from the same start-up — once with
``--requests`` cached searches after the warm-up and once with none — and
the difference over ``--requests`` is what one request costs the worker's
process. Radar's store process, the embedded Valkey and SQLite's server-less
file are outside valgrind (it does not follow child processes), so this
counts the worker's side only; time still decides the targets (``make
bench``), this shows where a change moved them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from app.core.event_loop import run as run_event_loop
from bench.api import USERS, page_user
from bench.scenarios import LOGIN, SEARCH
from bench.server import ROOT, UNLIMITED_GUARD

#: Concurrent callers, as wrk's connections on the paired loads.
CALLERS = 16
WARM_UP = 2000
_COLLECTED = re.compile(r"Collected : (\d+)")


def collected(log: str) -> int:
    """The instruction total callgrind reports at exit."""
    found = _COLLECTED.findall(log)
    if not found:
        raise RuntimeError(f"no callgrind total in its output:\n{log[-2000:]}")
    return int(found[-1])


def per_request(with_requests: int, without: int, requests: int) -> float:
    if requests <= 0:
        raise ValueError("requests must be positive")
    return (with_requests - without) / requests


def _count(radar: bool, requests: int, work: Path) -> int:
    """One child under callgrind; its instruction total."""
    data_dir = work / f"{'on' if radar else 'off'}-{requests}"
    data_dir.mkdir(parents=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={data_dir / 'callgrind.out'}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            "on" if radar else "off",
            "--requests",
            str(requests),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measured run failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return collected(done.stderr)


def measure(radar: bool, requests: int, work: Path) -> float:
    """Instructions per request of one variant: both of its runs side by side (valgrind runs each on one core)."""
    with ThreadPoolExecutor(2) as pool:
        loaded = pool.submit(_count, radar, requests, work)
        idle = pool.submit(_count, radar, 0, work)
        return per_request(loaded.result(), idle.result(), requests)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3200, help="measured requests per variant (default 3200)")
    parser.add_argument("--child", choices=("on", "off"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_event_loop(_child(args.child == "on", args.requests, args.data_dir))
        return 0
    if args.requests < CALLERS:
        parser.error(f"--requests must be at least {CALLERS}")
    requests = args.requests - args.requests % CALLERS  # each caller makes as many
    if shutil.which("valgrind") is None:
        print("bench.instructions needs valgrind: apt-get install valgrind", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="trellis-instructions-"))
    started = time.monotonic()
    try:
        results: dict[str, float] = {}
        for label, radar in (("Radar off", False), ("Radar on", True)):
            print(f"== {label}: {requests} cached searches under callgrind (a few minutes)", flush=True)
            results[label] = measure(radar, requests, work)
            print(f"   {results[label] / 1000:.1f}k instructions per request", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    off, on = results["Radar off"], results["Radar on"]
    print(f"Radar: +{(on - off) / 1000:.1f}k instructions per request, {(on - off) / off:.1%} of a request without it")
    print(f"({time.monotonic() - started:.0f} s)")
    return 0


async def _child(radar: bool, requests: int, data_dir: Path) -> None:
    """The measured process: the app in-process, seeded, warmed up, then ``requests`` cached searches."""
    store = _start_store(data_dir) if radar else None
    try:
        await _serve_searches(radar, requests, data_dir)
    finally:
        if store is not None:
            store.terminate()
            store.wait(timeout=30)
        from app.core.redis import stop_embedded_redis

        stop_embedded_redis(data_dir)


def _start_store(data_dir: Path) -> subprocess.Popen[bytes]:
    """Radar's store process, as the launcher starts it beside the workers (outside valgrind)."""
    from app.system.radar.sink import SINK_ENV

    socket_path = data_dir / "radar.sock"
    os.environ[SINK_ENV] = str(socket_path)
    env = {**os.environ, "DATA_DIR": str(data_dir), "LOG_TO_FILE": "false", "LOG_LEVEL": "WARNING"}
    store = subprocess.Popen([sys.executable, "-m", "app.system.radar.sink"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        if time.monotonic() > deadline or store.poll() is not None:
            store.kill()
            raise RuntimeError("Radar's store process did not start")
        time.sleep(0.05)
    return store


async def _serve_searches(radar: bool, requests: int, data_dir: Path) -> None:
    import httpx
    from tortoise import Tortoise

    from app import create_app
    from app.core.config import Settings
    from app.core.redis import ensure_embedded_redis

    values: dict[str, Any] = {
        **UNLIMITED_GUARD,
        "SECRET_KEY": "bench-instructions-" + "k" * 48,
        "DB_URL": f"sqlite://{data_dir / 'db.sqlite3'}",
        "REDIS_URL": ensure_embedded_redis(data_dir),
        "DATA_DIR": data_dir,
        "RADAR_ENABLED": radar,
        "LOG_TO_FILE": False,
        "LOG_LEVEL": "WARNING",
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    app = create_app(settings)
    await Tortoise.init(config=app.state.tortoise_config)
    await Tortoise.generate_schemas(safe=True)
    await Tortoise.close_connections()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            tokens = {}
            for user in ("Soybean", "Admin"):
                answer = (await client.post(LOGIN, json={"userName": user, "password": "123456"})).json()
                tokens[user] = answer["data"]["token"]
            for i in range(6):  # ten users in all, as the paired loads search
                await client.post(USERS, headers={"Authorization": f"Bearer {tokens['Soybean']}"}, json=page_user(i))
        body = b'{"current":1,"size":10}'
        headers = [
            (b"host", b"127.0.0.1:9999"),
            (b"user-agent", b"bench-instructions"),
            (b"authorization", f"Bearer {tokens['Admin']}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        last_body = [b""]

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                last_body[0] = message["body"]

        def scope() -> dict[str, Any]:
            return {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1",
                "scheme": "http",
                "method": "POST",
                "path": SEARCH,
                "raw_path": SEARCH.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": headers,
                "client": ("127.0.0.1", 40000),
                "server": ("127.0.0.1", 9999),
                "state": {},
            }

        async def caller(count: int) -> None:
            for _ in range(count):
                await app(scope(), receive, send)  # type: ignore[arg-type]

        await asyncio.gather(*(caller(WARM_UP // CALLERS) for _ in range(CALLERS)))
        if b'"code":"0000"' not in last_body[0]:
            raise RuntimeError(f"the search did not answer 0000: {last_body[0][:300]!r}")
        await asyncio.gather(*(caller(requests // CALLERS) for _ in range(CALLERS)))


if __name__ == "__main__":
    raise SystemExit(main())
