"""make bench judges issue 8's targets from the rows of its own run."""

from __future__ import annotations

from bench.report import Row
from bench.targets import TARGETS, Verdict, judge


def _verdict(rows: list[Row], key: str) -> Verdict:
    (target,) = [t for t in TARGETS if t.key == key]
    (verdict,) = judge(rows, [target])
    return verdict


def test_a_floor_share_is_met_only_when_every_tagged_row_meets_it() -> None:
    both = [Row("super", ratio=0.63, extra={"target": "user_info"}), Row("non-super", ratio=0.52, extra={"target": "user_info"})]
    assert _verdict(both, "user_info") == Verdict(TARGETS[0].text, ["63 %", "52 %"], True)
    one_short = [both[0], Row("non-super", ratio=0.49, extra={"target": "user_info"})]
    assert _verdict(one_short, "user_info").met is False


def test_a_cost_pair_reads_its_ratio_as_the_share_of_throughput_taken() -> None:
    # Radar off served 1.25x what Radar on served: Radar took 20 % of the throughput.
    rows = [Row("Radar costs: 20 %", extra={"paired_ratio": 1.25, "target": "radar"})]
    assert _verdict(rows, "radar") == Verdict("Radar costs <= 10 % of throughput", ["20 %"], False)
    cheap = [Row("the rate limiter costs: 5 %", extra={"paired_ratio": 1.05, "target": "rate_limiter"})]
    assert _verdict(cheap, "rate_limiter").met is True


def test_upper_and_lower_limits_include_the_limit_itself() -> None:
    assert _verdict([Row("2 workers", extra={"paired_ratio": 1.6, "target": "two_workers"})], "two_workers").met is True
    assert _verdict([Row("deep", extra={"first_page_factor": 2.0, "target": "deep_page"})], "deep_page").met is True
    assert _verdict([Row("deep", extra={"first_page_factor": 2.01, "target": "deep_page"})], "deep_page").met is False
    start = [Row("fresh", extra={"seconds": 1.62, "target": "cold_start"}), Row("restart", extra={"seconds": 2.3, "target": "cold_start"})]
    assert _verdict(start, "cold_start") == Verdict(TARGETS[6].text, ["1.62 s", "2.30 s"], False)


def test_a_target_the_run_did_not_measure_is_neither_met_nor_missed() -> None:
    assert _verdict([Row("floor", ratio=1.0)], "search_10") == Verdict(TARGETS[1].text, [], None)
    # Modules started without the core group: no system-only start to compare with.
    alone = [Row("modules, fresh", extra={"seconds": 1.8, "target": "cold_start_modules"})]
    assert _verdict(alone, "cold_start_modules").met is None


def test_every_target_has_its_own_key() -> None:
    keys = [t.key for t in TARGETS]
    assert len(keys) == len(set(keys))
