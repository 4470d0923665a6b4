"""``python -m bench``: run every workload and print one line each.

Each workload's ratio is its requests/s divided by the floor's (``GET
/health/live`` through the full middleware stack) measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench import scenarios
from bench.report import Row, print_table
from bench.server import ROOT, UNLIMITED_GUARD
from bench.targets import judge, print_verdicts

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3-second loads and 10,000 instead of 100,000 users")
    parser.add_argument("--seconds", type=float, default=None, help="duration of each load (default 8, quick 3)")
    parser.add_argument("--users", type=int, default=None, help="synthetic users for the large-table workloads")
    parser.add_argument("--only", default="", help="comma list of scenario groups to run")
    return parser.parse_args()


def prepare_database() -> None:
    """Bring a server database (``DB_URL``) up to Trellis's schema; the embedded SQLite migrates itself at start-up."""
    print("== preparing DB_URL: python -m app.cli migrate", flush=True)
    done = subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"make bench: `python -m app.cli migrate` failed on DB_URL (does the database exist?):\n{done.stderr[-2000:]}")


def main() -> int:
    args = parse_args()
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    users = args.users if args.users is not None else (10_000 if args.quick else 100_000)
    work = Path(tempfile.mkdtemp(prefix="trellis-bench-"))
    env = dict(UNLIMITED_GUARD)
    if os.environ.get("DB_URL"):
        prepare_database()
    only = {name for name in args.only.split(",") if name}
    rows: list[Row] = []
    started = time.time()
    try:
        ctx = scenarios.Context(work=work, seconds=seconds, users=users, env=env, rows=rows)
        for name, scenario in scenarios.ALL:
            if only and name not in only:
                continue
            print(f"== {name}", flush=True)
            scenario(ctx)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    verdicts = judge(rows)
    print_verdicts(verdicts)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}.json"
    meta = {
        "date": stamp,
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "platform": platform.platform(),
        },
        "python": sys.version.split()[0],
        "db": os.environ.get("DB_URL", "embedded sqlite").split("@")[-1],
        "redis": "embedded valkey" if not os.environ.get("REDIS_URL") else "redis",
        "seconds_per_load": seconds,
        "wall_seconds": round(time.time() - started, 1),
        "rows": [row.as_dict() for row in rows],
        "targets": [verdict.as_dict() for verdict in verdicts],
    }
    out.write_text(json.dumps(meta, indent=2))
    print(f"\nwrote {out} ({meta['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
