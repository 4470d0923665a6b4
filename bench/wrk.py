"""Drive load with wrk and parse its report."""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    failed: int = 0
    cpu_seconds: float = 0.0  # wrk's own CPU (it shares the machine with the server)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
    return path


#: Counts answers whose envelope code is not "0000" (rate-limited or failed requests
#: must not pass for throughput) and prints one JSON line at the end.
_REPORT = """
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) failed = 0 end
response = function(status, headers, body)
  if not string.find(body, '"code":"0000"', 1, true) and not string.find(body, '"status":"ok"', 1, true) then
    failed = failed + 1
  end
end
done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("failed") end
  io.write(string.format('JSON {"p50": %f, "p99": %f, "requests": %d, "non2xx": %d, "errors": %d, "failed": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, bad))
end
"""


def _lua(method: str, body: dict[str, Any] | None, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
        headers = {"Content-Type": "application/json", **headers}
    for key, value in headers.items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    lines.append(_REPORT)
    return "\n".join(lines)


def whole_seconds(seconds: float) -> int:
    """What wrk runs for ``seconds``: it takes whole seconds, at least one."""
    return max(1, round(seconds))


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    connections: int = 16,
    threads: int = 1,
    seconds: float = 8.0,
) -> WrkResult:
    """Run one wrk load and return its figures (latencies in ms).

    wrk takes whole seconds, so ``seconds`` is rounded to at least one, and
    the figures (CPU share included) are of the load that actually ran.
    """
    seconds = whole_seconds(seconds)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(method, body, headers or {}))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        proc = subprocess.run(
            [
                require_wrk(),
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=False,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout
    match = re.search(r"^JSON (\{.*\})$", out, re.MULTILINE)
    rps_match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match or not rps_match:
        raise RuntimeError(f"wrk produced no report:\n{out}\n{proc.stderr}")
    data = json.loads(match.group(1))
    return WrkResult(
        requests=int(data["requests"]),
        seconds=seconds,
        rps=float(rps_match.group(1)),
        p50_ms=float(data["p50"]),
        p99_ms=float(data["p99"]),
        non_2xx=int(data["non2xx"]),
        errors=int(data["errors"]),
        failed=int(data["failed"]),
        cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )
