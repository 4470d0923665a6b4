"""Result rows and the printed table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    name: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_ms_per_req: float | None = None
    ratio: float | None = None
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def print_table(rows: list[Row]) -> None:
    print()
    header = f"{'workload':<52} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>10} {'vs floor':>8}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio * 100:.0f}%"
        print(
            f"{row.name:<52} {_fmt(row.rps, '9.0f')} {_fmt(row.p50_ms, '8.2f')} {_fmt(row.p99_ms, '8.2f')} "
            f"{_fmt(row.cpu_ms_per_req, '10.2f')} {ratio:>8}  {row.note}"
        )
