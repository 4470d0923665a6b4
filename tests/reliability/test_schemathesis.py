"""Schemathesis against the live ``/openapi.json``: every generated request gets the envelope.

A real server (APP_DEBUG=true so the schema is published). Every operation of
the schema is fuzzed with positive and negative data, authenticated as the
super administrator and as a plain user. For every answer: HTTP 200, exactly
``{code, msg, data}``, never code 1000, never a stack trace. The number of
examples per operation is bounded (``EXAMPLES``) to keep the run near a minute.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.reliability.conftest import Api, PgDatabase, RedisServer, TrellisServer, report

pytestmark = [pytest.mark.multiprocess, pytest.mark.xdist_group("reliability-processes")]

EXAMPLES = 15
#: Operations whose success ends the fuzzing session itself (the token is then 2106 for the rest).
SESSION_ENDING = {("PATCH", "/api/v1/auth/password")}


def test_generated_requests_always_get_the_envelope(
    pg_database: PgDatabase, redis_server: RedisServer, start_server: Callable[..., TrellisServer]
) -> None:
    server = start_server(db_url=pg_database.url, redis_url=redis_server.url, APP_DEBUG="true", LOG_LEVEL="WARNING")
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json", timeout=10)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60, len(operations)
    codes: Counter[str] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    for who in ("Super", "User"):
        token = Api(server.base).login(who).token
        for operation in operations:
            if (operation.method.upper(), operation.path) in SESSION_ENDING and who == "Super":
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, server.base, token, codes, failures)
    elapsed = time.monotonic() - started
    report(
        "schemathesis", operations=len(operations), requests=sum(codes.values()), seconds=round(elapsed), codes=dict(codes.most_common(12))
    )
    assert failures == [], "\n".join(failures[:20])
    assert codes["0000"] > 0 and sum(codes.values()) >= len(operations) * 2
    assert "unhandled" not in server.log_text() and "Traceback" not in server.log_text()


def _fuzz(operation: object, mode: GenerationMode, base: str, token: str, codes: Counter[str], failures: list[str]) -> None:
    try:
        strategy = operation.as_strategy(generation_mode=mode)  # type: ignore[attr-defined]
    except Exception:
        return

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=strategy)
    def run(case: object) -> None:
        response = case.call(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=15)  # type: ignore[attr-defined]
        label = f"{case.method} {case.formatted_path} ({mode})"  # type: ignore[attr-defined]
        try:
            body = response.json()
        except ValueError:
            failures.append(f"{label}: not JSON: {response.status_code} {response.text[:200]}")
            return
        code = str(body.get("code")) if isinstance(body, dict) else "?"
        codes[code] += 1
        if response.status_code != 200 or not isinstance(body, dict) or set(body) != {"code", "msg", "data"}:
            failures.append(f"{label}: outside the envelope: {response.status_code} {response.text[:200]}")
        elif code == "1000" or "Traceback" in response.text or 'File "' in response.text:
            failures.append(f"{label}: {response.text[:300]}")

    with contextlib.suppress(Unsatisfiable):  # e.g. negative data for an operation without any input
        run()
