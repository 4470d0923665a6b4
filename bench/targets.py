"""Issue 8's targets, judged from one run's rows, so every run says which it met.

Scenarios tag the rows a target reads (``Row.extra["target"]``); a target
with several rows (super-admin and non-super, fresh and restarted) is met
only when every one of them is. A target none of the run's rows carries is
reported as not measured (``--only`` runs a part of the suite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.report import Row

__all__ = ["TARGETS", "Target", "Verdict", "judge", "print_verdicts"]


def _extra(name: str) -> Callable[[Row], float | None]:
    def read(row: Row) -> float | None:
        value = row.extra.get(name)
        return float(value) if isinstance(value, int | float) else None

    return read


def _floor_share(row: Row) -> float | None:
    return row.ratio


def _cost(row: Row) -> float | None:
    """A cost pair's ratio is without / with: the share of throughput the feature takes."""
    ratio = _extra("paired_ratio")(row)
    return 1 - 1 / ratio if ratio else None


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def _times(value: float) -> str:
    return f"{value:.2f}x"


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


@dataclass(frozen=True)
class Target:
    key: str
    text: str
    figure: Callable[[Row], float | None]
    limit: float
    at_least: bool
    show: Callable[[float], str]

    def meets(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit


TARGETS: list[Target] = [
    Target("user_info", "user-info >= 50 % of the floor (super-admin, non-super)", _floor_share, 0.50, True, _percent),
    Target("search_10", "10-row users/search >= 30 % of the floor", _floor_share, 0.30, True, _percent),
    Target("page_100", "100-row page >= 10 % of the floor", _floor_share, 0.10, True, _percent),
    Target("deep_page", "deep page <= 2x the first page (the large user table)", _extra("first_page_factor"), 2.0, False, _times),
    Target("role_filter", "role filter <= 2x the first page (the large user table)", _extra("first_page_factor"), 2.0, False, _times),
    Target("login_storm", "user-info p99 during a login storm <= 5x idle", _extra("p99_factor"), 5.0, False, _times),
    Target("cold_start", "cold start, system only <= 2.15 s (fresh, restart)", _extra("seconds"), 2.15, False, _seconds),
    Target("cold_start_modules", "cold start, 50 modules <= 2x system only (fresh, restart)", _extra("vs_system"), 2.0, False, _times),
    Target("radar", "Radar costs <= 10 % of throughput", _cost, 0.10, False, _percent),
    Target("rate_limiter", "the rate limiter costs <= 10 % of throughput", _cost, 0.10, False, _percent),
    Target("two_workers", "2 workers >= 1.6x one worker (search, page cache)", _extra("paired_ratio"), 1.6, True, _times),
    Target("two_workers_database", "2 workers >= 1.6x one worker (search, page cache off)", _extra("paired_ratio"), 1.6, True, _times),
]


@dataclass(frozen=True)
class Verdict:
    target: str
    figures: list[str]
    met: bool | None  # None: this run did not measure it

    def as_dict(self) -> dict[str, object]:
        return {"target": self.target, "figures": self.figures, "met": self.met}


def judge(rows: list[Row], targets: list[Target] = TARGETS) -> list[Verdict]:
    verdicts = []
    for target in targets:
        values = [target.figure(row) for row in rows if row.extra.get("target") == target.key]
        measured = [value for value in values if value is not None]
        met = all(target.meets(value) for value in measured) if measured and len(measured) == len(values) else None
        verdicts.append(Verdict(target.text, [target.show(value) for value in measured], met))
    return verdicts


def print_verdicts(verdicts: list[Verdict]) -> None:
    print("\ntargets (issue 8), judged on this run:")
    for verdict in verdicts:
        state = {True: "met", False: "MISSED", None: "-"}[verdict.met]
        figures = ", ".join(verdict.figures) if verdict.figures else "not measured in this run"
        print(f"  {state:<7} {verdict.target}: {figures}")
