"""The workloads, grouped by the server configuration they need."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from bench.api import USERS, call, login, page_user
from bench.modules import write_modules
from bench.report import Row
from bench.server import ROOT, CpuSplit, Server, start_bare, start_trellis
from bench.wrk import WrkResult, run_wrk, whole_seconds

SEARCH = "/api/v1/system-manage/users/search"
USER_INFO = "/api/v1/auth/user-info"
LOGIN = "/api/v1/auth/login"


@dataclass
class Context:
    work: Path
    seconds: float
    users: int
    env: dict[str, str]
    rows: list[Row]
    floor_rps: float | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None

    @property
    def burst(self) -> int:
        """Seconds of each load in a paired series: a quarter of a single load, in the whole seconds wrk takes."""
        return whole_seconds(self.seconds / 4)

    def record(self, name: str, result: WrkResult, server: Server | None, cpu: float | None, note: str = "", **extra: Any) -> Row:
        ratio = result.rps / self.floor_rps if self.floor_rps else None
        cpu_per = (cpu * 1000 / result.requests) if (cpu is not None and result.requests) else None
        if result.non_2xx or result.errors or result.failed:
            note = (note + f" non2xx={result.non_2xx} errors={result.errors} non-0000={result.failed}").strip()
        row = Row(name, result.rps, result.p50_ms, result.p99_ms, cpu_per, ratio, note, dict(extra))
        self.rows.append(row)
        print(f"   {name}: {result.rps:.0f} req/s p99 {result.p99_ms:.1f} ms", flush=True)
        return row


def measure(
    ctx: Context,
    server: Server,
    name: str,
    path: str,
    *,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    token: str | None = None,
    connections: int = 16,
    note: str = "",
    **extra: Any,
) -> Row:
    """One load of ``ctx.seconds``."""
    run = Load(server, path, method, body, token, connections).run(ctx.seconds)
    return ctx.record(name, run.result, server, run.cpu, note, **extra)


@dataclass(frozen=True)
class Load:
    """One wrk load: what to ask of which server."""

    server: Server
    path: str
    method: str = "GET"
    body: dict[str, Any] | None = None
    token: str | None = None
    connections: int = 16

    def run(self, seconds: float) -> Run:
        """The load's figures and the CPU the server spent meanwhile."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        before = self.server.cpu_split()
        result = run_wrk(
            self.server.base + self.path,
            method=self.method,
            body=self.body,
            headers=headers,
            connections=self.connections,
            seconds=seconds,
        )
        spent = self.server.cpu_split().since(before)
        return Run(result, spent)


class Run(NamedTuple):
    """One load's figures and the CPU seconds each part of the server spent meanwhile."""

    result: WrkResult
    parts: CpuSplit

    @property
    def cpu(self) -> float:
        """The server's process tree."""
        return self.parts.tree

    @property
    def loop_cpu(self) -> float:
        """The workers' event-loop threads."""
        return self.parts.loops

    @property
    def serving_cpu(self) -> float:
        """Everything that served the load but wrk: the tree and its embedded Valkey."""
        return self.parts.tree + self.parts.valkey


@dataclass
class Paired:
    """Two loads taken in turn: each one's runs and the per-round ratios second / first, sorted."""

    first: list[Run]
    second: list[Run]
    ratios: list[float]

    @property
    def ratio(self) -> float | None:
        return self.ratios[len(self.ratios) // 2] if self.ratios else None

    @property
    def spread(self) -> str:
        return f"median of {len(self.ratios)} paired loads, {self.ratios[0]:.3f}-{self.ratios[-1]:.3f}" if self.ratios else "no loads"


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.result.rps)[len(runs) // 2]


def paired(first: Load, second: Load, rounds: int, seconds: float) -> Paired:
    """Load ``first`` and ``second`` in turn, ``rounds`` times, the order flipped each round.

    On a shared 2-core machine the same server can measure a third faster or
    slower from one minute to the next; two loads a few seconds apart see the
    same machine, so the median of their ratios cancels that drift, which
    loads a minute apart did not.
    """
    runs: tuple[list[Run], list[Run]] = ([], [])
    for round_no in range(rounds):
        order = ((0, first), (1, second)) if round_no % 2 == 0 else ((1, second), (0, first))
        for index, load in order:
            runs[index].append(load.run(seconds))
            time.sleep(0.5)  # Radar's writer flushes every 250 ms: the next load starts on a quiet machine
    ratios = sorted(b.result.rps / a.result.rps for a, b in zip(*runs, strict=True) if a.result.rps)
    return Paired(runs[0], runs[1], ratios)


#: Loads of a workload with a floor target, each paired with a load of the floor on the same server.
FLOOR_ROUNDS = 6
FLOOR = "/health/live"


def measure_vs_floor(
    ctx: Context,
    server: Server,
    name: str,
    path: str,
    *,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    token: str | None = None,
    target: str = "",
) -> Row:
    """A workload with a target "≥ N % of the floor": its ratio is the median of loads paired with the floor's."""
    pair = paired(Load(server, FLOOR), Load(server, path, method, body, token), FLOOR_ROUNDS, ctx.burst)
    run = median_run(pair.second)
    row = ctx.record(
        name,
        run.result,
        server,
        run.cpu,
        f"vs floor on this server: {pair.spread}",
        paired_ratio=pair.ratio,
        ratios=pair.ratios,
        target=target,
    )
    row.ratio = pair.ratio
    if pair.ratio is not None:
        print(f"   {name}: {pair.ratio * 100:.0f} % of the floor (paired)", flush=True)
    return row


def _env(ctx: Context, **overrides: str) -> dict[str, str]:
    return {**ctx.env, **overrides}


def _tokens(server: Server) -> dict[str, str]:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        return {"super": login(client, "Soybean"), "admin": login(client, "Admin")}


def _fill_to(server: Server, token: str, users: int) -> None:
    """Create users through the API until the table holds ``users`` (the seeds bring 4)."""
    with httpx.Client(base_url=server.base, timeout=30) as client:
        total = call(client, "POST", SEARCH, token, json={"current": 1, "size": 1})["total"]
        for i in range(total, users):
            call(
                client,
                "POST",
                USERS,
                token,
                json=page_user(i),
            )


def core(ctx: Context) -> None:
    """Floor, ceiling, cached and authenticated reads, logins, writes, RSS, cold start."""
    ctx.data_dir = ctx.work / "core"
    server = start_trellis(_env(ctx), ctx.data_dir)
    ctx.rows.append(
        Row(
            "cold start, fresh database (system only)",
            note=f"{server.started_in:.2f} s to first answer",
            extra={"seconds": server.started_in, "target": "cold_start"},
        )
    )
    try:
        idle_rss, store_idle = server.rss_mb(), server.rss_mb(radar_store=True)
        floor = measure(ctx, server, "floor: GET /health/live (full middleware)", "/health/live")
        ctx.floor_rps = floor.rps
        floor.ratio = 1.0
        bare = start_bare(ctx.work)
        try:
            measure(ctx, bare, "ceiling: bare FastAPI route, no Trellis middleware", "/ping")
        finally:
            bare.stop()
        ctx.tokens = _tokens(server)
        _fill_to(server, ctx.tokens["super"], 10)  # the "10 rows" search returns a full page of 10
        measure(ctx, server, "public cached: GET /route/constant-routes", "/api/v1/route/constant-routes")
        measure_vs_floor(ctx, server, "user-info as super-admin", USER_INFO, token=ctx.tokens["super"], target="user_info")
        idle = measure_vs_floor(ctx, server, "user-info as non-super (R_ADMIN)", USER_INFO, token=ctx.tokens["admin"], target="user_info")
        measure_vs_floor(
            ctx,
            server,
            "users/search 10 rows, non-super (10 users), page cache",
            SEARCH,
            method="POST",
            body={"current": 1, "size": 10},
            token=ctx.tokens["admin"],
            target="search_10",
        )
        body = {"userName": "Admin", "password": "123456"}
        measure(ctx, server, "login, 1 connection", LOGIN, method="POST", body=body, connections=1)
        measure(ctx, server, "login, 16 connections", LOGIN, method="POST", body=body, connections=16)
        _login_storm(ctx, server, idle.p99_ms or 0.0)
        _write_path(ctx, server)
        after_rss, store_after = server.rss_mb(), server.rss_mb(radar_store=True)
        ctx.rows.append(
            Row(
                "RSS per worker",
                note=f"idle {idle_rss} MB, after runs {after_rss} MB; Radar store {store_idle} -> {store_after} MB",
                extra={"idle_mb": idle_rss, "after_mb": after_rss, "radar_store_idle_mb": store_idle, "radar_store_after_mb": store_after},
            )
        )
    finally:
        server.stop()
    restarted = start_trellis(_env(ctx), ctx.data_dir)
    restarted.stop()
    ctx.rows.append(
        Row(
            "cold start, restart (system only)",
            note=f"{restarted.started_in:.2f} s to first answer",
            extra={"seconds": restarted.started_in, "target": "cold_start"},
        )
    )


def _login_storm(ctx: Context, server: Server, idle_p99: float) -> None:
    """Logins at full rate while another client measures user-info latency."""
    storm: dict[str, WrkResult] = {}

    def run_logins() -> None:
        storm["login"] = run_wrk(
            server.base + LOGIN, method="POST", body={"userName": "Admin", "password": "123456"}, connections=16, seconds=ctx.seconds + 2
        )

    thread = threading.Thread(target=run_logins)
    thread.start()
    time.sleep(1.0)
    headers = {"Authorization": f"Bearer {ctx.tokens['admin']}"}
    probe = run_wrk(server.base + USER_INFO, headers=headers, connections=16, seconds=ctx.seconds)
    thread.join()
    factor = probe.p99_ms / idle_p99 if idle_p99 else None
    ctx.record(
        "login storm: user-info p99 while logins run",
        probe,
        None,
        None,
        note=f"p99 x{factor:.1f} of idle" if factor else "",
        p99_factor=factor,
        target="login_storm",
    )
    ctx.record("login storm: logins/s meanwhile", storm["login"], None, None)


def _write_path(ctx: Context, server: Server) -> None:
    """Create + delete a role (with the cache refresh each triggers), sequentially."""
    token = ctx.tokens["super"]
    latencies: list[float] = []
    deadline = time.perf_counter() + ctx.seconds
    with httpx.Client(base_url=server.base, timeout=30) as client:
        home = call(client, "GET", "/api/v1/system-manage/menus/pages", token)[0]["value"]
        i = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            created = call(
                client,
                "POST",
                "/api/v1/system-manage/roles",
                token,
                {"roleName": f"bench{i}", "roleCode": f"R_BENCH{i}", "byRoleHomeId": home},
            )
            call(client, "DELETE", f"/api/v1/system-manage/roles/{created['createdId']}", token)
            latencies.append((time.perf_counter() - start) * 1000)
            i += 1
    latencies.sort()
    elapsed = sum(latencies) / 1000
    ops = len(latencies) / elapsed if elapsed else 0.0
    row = Row(
        "write path: create + delete a role (1 client)",
        ops,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99) - 1],
        None,
        None,
        "pairs/s",
    )
    ctx.rows.append(row)
    print(f"   write path: {ops:.0f} pairs/s", flush=True)


#: The toggles: each pair's two servers run side by side and are loaded in turn. A "cost" pair
#: prints 1 - first/second as a percentage, a "scale" pair second/first as a factor.
Variant = tuple[str, dict[str, str], int]  # label, settings, workers


class TogglePair(NamedTuple):
    effect: str
    kind: str  # "cost" or "scale"
    first: Variant
    second: Variant
    target: str  # the key of the target it decides (bench.targets)


TOGGLE_PAIRS: list[TogglePair] = [
    TogglePair("Radar costs", "cost", ("radar on", {"RADAR_ENABLED": "true"}, 1), ("radar off", {"RADAR_ENABLED": "false"}, 1), "radar"),
    TogglePair(
        "the rate limiter costs",
        "cost",
        ("rate limiter on", {"GUARD_ENABLED": "true"}, 1),
        ("rate limiter off", {"GUARD_ENABLED": "false"}, 1),
        "rate_limiter",
    ),
    TogglePair("2 workers reach", "scale", ("1 worker", {}, 1), ("2 workers", {}, 2), "two_workers"),
    # Worker scaling where the request itself dominates: on a cached search one worker already
    # keeps ~1.5 of this machine's 2 cores busy (itself, wrk, Valkey, Radar's store).
    TogglePair(
        "2 workers reach (page cache off)",
        "scale",
        ("page cache off", {"PAGE_CACHE_ENTRIES": "0"}, 1),
        ("2 workers, page cache off", {"PAGE_CACHE_ENTRIES": "0"}, 2),
        "two_workers_database",
    ),
]


def toggles(ctx: Context, rounds: int = 10) -> None:
    """Radar on/off, rate limiter on/off, 1 vs 2 workers (cached and database) — all on the permission-checked search.

    The two servers of a pair run side by side (each on its own data
    directory) and take short loads in turn (``paired``); the effect is the
    median of the per-round ratios.
    """
    for effect, kind, first, second, target in TOGGLE_PAIRS:
        servers: list[Server] = []
        loads: list[Load] = []
        try:
            for label, overrides, workers in (first, second):
                server = start_trellis(_env(ctx, **overrides), ctx.work / "toggles" / label.replace(" ", "-"), workers=workers)
                servers.append(server)
                tokens = _tokens(server)
                _fill_to(server, tokens["super"], 10)
                body = {"current": 1, "size": 10}
                loads.append(Load(server, SEARCH, "POST", body, tokens["admin"], connections=32 if workers > 1 else 16))
            pair = paired(loads[0], loads[1], rounds, ctx.burst)
        finally:
            for server in servers:
                server.stop()
        for (label, _, _), runs in ((first, pair.first), (second, pair.second)):
            run = median_run(runs)
            ordered = sorted(r.result.rps for r in runs)
            spread = f"median of {len(runs)} {ctx.burst:g}-s loads ({ordered[0]:.0f}-{ordered[-1]:.0f})"
            ctx.record(f"users/search 10 rows, {label}", run.result, None, run.cpu, spread)
        if pair.ratio is not None:
            figure = f"{(1 - 1 / pair.ratio) * 100:.0f} %" if kind == "cost" else f"{pair.ratio:.2f}x"
            note = f"{second[0]} / {first[0]} = {pair.ratio:.3f} ({pair.spread})"
            extra = {"paired_ratio": pair.ratio, "ratios": pair.ratios, "target": target}
            ctx.rows.append(Row(f"{effect}: {figure}", ratio=None, note=note, extra=extra))
            print(f"   {effect}: {figure}", flush=True)
        if kind == "scale":
            ctx.rows.append(scaling_bound(pair.first, pair.second, second[2]))


def scaling_bound(one: list[Run], more: list[Run], workers: int) -> Row:
    """How far ``workers`` workers can scale here: the machine's cores over the CPU a request costs them, against one worker.

    Everything a request costs counts — the workers' threads, Radar's store,
    Valkey and wrk itself share the machine's cores. When the machine is
    busy throughout, the measured ratio sits at this bound and more workers
    cannot help; when it is not, something else (a lock, the database) holds
    the workers back.
    """
    single, multi = median_run(one), median_run(more)
    requests = max(multi.result.requests, 1)
    spent = multi.serving_cpu + multi.result.cpu_seconds
    cores = min(os.cpu_count() or 1, workers)
    bound = cores * requests / spent / single.result.rps if spent and single.result.rps else None
    busy = spent / multi.result.seconds / (os.cpu_count() or 1)
    parts = multi.parts
    others = max(multi.serving_cpu - parts.loops - parts.worker_threads - parts.radar_store - parts.valkey, 0.0)  # snapshots differ by µs

    def per_request(seconds: float) -> str:
        return f"{seconds / requests * 1e6:.0f}"

    note = (
        f"{cores} cores / {per_request(spent)} us of CPU per request with {workers} workers (their event loops "
        f"{per_request(parts.loops)}; their other threads {per_request(parts.worker_threads)}; Radar's store "
        f"{per_request(parts.radar_store)}; Valkey {per_request(parts.valkey)}; the rest of the tree {per_request(others)}; "
        f"wrk {per_request(multi.result.cpu_seconds)}); machine {busy:.0%} busy; 1 worker {single.result.rps:.0f} req/s"
    )
    figure = f"at most {bound:.2f}x" if bound else "unknown"
    print(f"   {workers} workers can reach {figure} on this machine ({busy:.0%} busy)", flush=True)
    return Row(f"  bound on this machine: {figure}", note=note, extra={"bound": bound, "machine_busy": busy})


def big_table(ctx: Context) -> None:
    """The search on many users: served from the page cache, then from the database.

    With the page cache (the default) a repeated page costs no query, so the
    index checks (deep page and role filter within 2x the first page) run on a
    second server with ``PAGE_CACHE_ENTRIES=0``, each paired with the first page.
    """
    data_dir = ctx.work / "core"
    if ctx.data_dir is None:  # run without the core group: a first start creates the schema and the seeds
        start_trellis(_env(ctx), data_dir).stop()
    env = {**os.environ, **_env(ctx), "DATA_DIR": str(data_dir), "LOG_TO_FILE": "false", "LOG_LEVEL": "WARNING"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.seed_users", str(ctx.users)], cwd=ROOT, env=env, check=True)
    print(f"   seeded {ctx.users} users in {time.perf_counter() - start:.1f}s", flush=True)
    deep = max(1, ctx.users // 10 // 2)
    first_page = {"current": 1, "size": 10}
    hundred = {"current": 1, "size": 100}
    name = f"users/search {{}} of {ctx.users}, {{}}"

    server = start_trellis(_env(ctx), data_dir)
    ctx.rows.append(
        Row(f"cold start, restart with {ctx.users} users", note=f"{server.started_in:.2f} s", extra={"seconds": server.started_in})
    )
    try:
        token = _tokens(server)["admin"]
        measure(ctx, server, name.format("first page", "page cache"), SEARCH, method="POST", body=first_page, token=token)
        # The 100-row page has a floor target: paired with this server's floor.
        measure_vs_floor(
            ctx, server, name.format("100-row page", "page cache"), SEARCH, method="POST", body=hundred, token=token, target="page_100"
        )
    finally:
        server.stop()

    server = start_trellis(_env(ctx, PAGE_CACHE_ENTRIES="0"), data_dir)
    try:
        token = _tokens(server)["admin"]
        first = Load(server, SEARCH, "POST", first_page, token)
        checks: dict[str, dict[str, Any]] = {
            f"deep page {deep}": {"current": deep, "size": 10},
            "role filter": {"current": 1, "size": 10, "byUserRoleCodeList": ["R_USER"]},
        }
        tags = dict(zip(checks, ("deep_page", "role_filter"), strict=True))
        pairs = {label: paired(first, Load(server, SEARCH, "POST", body, token), FLOOR_ROUNDS, ctx.burst) for label, body in checks.items()}
        run = median_run([r for pair in pairs.values() for r in pair.first])
        ctx.record(name.format("first page", "database"), run.result, server, run.cpu, "median of the loads paired with the two below")
        for label, pair in pairs.items():
            run = median_run(pair.second)
            factor = 1 / pair.ratio if pair.ratio else None
            ratios = pair.ratios
            note = (
                f"{factor:.2f}x the first page's time (median of {len(ratios)} paired loads, {1 / ratios[-1]:.2f}-{1 / ratios[0]:.2f})"
                if factor
                else pair.spread
            )
            ctx.record(name.format(label, "database"), run.result, server, run.cpu, note, first_page_factor=factor, target=tags[label])
        measure(ctx, server, name.format("100-row page", "database"), SEARCH, method="POST", body=hundred, token=token)
    finally:
        server.stop()


def many_modules(ctx: Context) -> None:
    """Cold start with 50 generated business modules (500 routes) against the system only."""
    root = ctx.work / "modules"
    write_modules(root, "bench_business", 50, 10)
    data_dir = ctx.work / "modules-data"
    env = _env(ctx, BUSINESS_PACKAGE="bench_business", PYTHONPATH=f"{root}:{ROOT}")
    system_only = [row.extra["seconds"] for row in ctx.rows if row.extra.get("target") == "cold_start"]  # fresh, restart
    for index, label in enumerate(("fresh database", "restart")):
        server = start_trellis(env, data_dir)
        try:
            with httpx.Client(base_url=server.base, timeout=30) as client:
                token = login(client, "Soybean")
                routes = call(
                    client, "POST", "/api/v1/system-manage/apis/search", token, {"current": 1, "size": 1, "apiPath": "/api/v1/business/"}
                )
        finally:
            server.stop()
        extra: dict[str, object] = {"seconds": server.started_in, "business_routes": routes["total"], "target": "cold_start_modules"}
        note = f"{server.started_in:.2f} s to first answer"
        system = system_only[index] if len(system_only) == 2 else None  # the core group ran first: its start of the same kind
        if isinstance(system, float) and system > 0:
            extra["vs_system"] = vs_system = server.started_in / system
            note += f", {vs_system:.2f}x the system-only start"
        ctx.rows.append(Row(f"cold start, {label}, 50 modules / {routes['total']} business routes", note=note, extra=extra))
        print(f"   cold start with modules ({label}): {server.started_in:.2f} s", flush=True)


ALL: list[tuple[str, Callable[[Context], None]]] = [
    ("core", core),
    ("modules", many_modules),
    ("toggles", toggles),
    ("bigtable", big_table),
]
