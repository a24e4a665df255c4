"""The whole-process benchmark's record: what ``benchmarks/plan_vs_synth.py --record``
writes and the comparison report quotes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from cdk_parity.compare.measure import (
    BENCHMARK_RECORD,
    RecordedBenchmark,
    StackBenchmark,
    read_recorded,
)
from cdk_parity.exceptions import BenchmarkRecordError
from cdk_parity.report import render

DEV = StackBenchmark.of(
    "dev", [(1.0, 130), (2.0, 140), (1.5, 135)], [(6.0, 530), (7.0, 520), (9.0, 540)]
)
RECORD = RecordedBenchmark(
    recorded="2026-12-07", machine="a CPU, 2 CPUs", load_average=0.5, stacks=(DEV,)
)


def test_ratios_are_per_pair_and_summarised_by_their_median() -> None:
    # pairs 6/1, 7/2, 9/1.5: the median ratio is 6.0, not median(synth)/median(plan) = 4.67
    assert DEV.median_ratio == 6.0
    assert (DEV.min_ratio, DEV.max_ratio) == (3.5, 6.0)
    assert (DEV.plan_seconds, DEV.synth_seconds, DEV.pairs) == (1.5, 7.0, 3)
    assert (DEV.plan_mib, DEV.synth_mib) == (135, 530)


def test_unpaired_runs_are_refused_naming_the_stack_and_the_counts() -> None:
    message = r"^dev: need as many synth runs as plan runs, at least one; got 1 plan and 0 "
    with pytest.raises(ValueError, match=message + "synth runs$"):
        StackBenchmark.of("dev", [(1.0, 1)], [])
    with pytest.raises(ValueError, match=r"^prod: .*; got 1 plan and 2 synth runs$"):
        StackBenchmark.of("prod", [(1.0, 1)], [(6.0, 1), (7.0, 1)])
    with pytest.raises(ValueError, match=r"at least one; got 0 plan and 0 synth runs$"):
        StackBenchmark.of("dev", [], [])


def test_a_record_round_trips_through_its_file(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(RECORD.to_json()))
    assert read_recorded(path) == RECORD


def test_no_file_means_never_recorded(tmp_path: Path) -> None:
    assert read_recorded(tmp_path / "absent.json") is None


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        json.dumps({"recorded": "2026-12-07", "machine": "m", "load_average": 1.0}),
        json.dumps({**RECORD.to_json(), "load_average": "high"}),
        json.dumps({**RECORD.to_json(), "stacks": [{"stack": "dev"}]}),
        json.dumps({**RECORD.to_json(), "stacks": [{**dataclasses.asdict(DEV), "extra": 1}]}),
        json.dumps([]),
    ],
)
def test_an_unreadable_record_is_an_error_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "record.json"
    path.write_text(text)
    with pytest.raises(BenchmarkRecordError, match=str(path)):
        read_recorded(path)


def test_the_committed_record_reads_and_covers_both_example_stacks() -> None:
    record = read_recorded(BENCHMARK_RECORD)
    assert record is not None, f"{BENCHMARK_RECORD} is missing: run the benchmark with --record"
    assert [s.stack for s in record.stacks] == ["dev", "prod"]


def test_the_report_quotes_the_record_per_stack() -> None:
    # The golden report (tests/cdk_parity/test_golden.py) shows these lines in the summary.
    [line] = render.benchmark_lines(RECORD)
    assert line == (
        "whole process, dev: CDK synth / Pulumi plan 6.0x median of 3 pairs (range 3.5x to "
        "6.0x; plan 1.50 s, 135 MiB; synth 7.00 s, 530 MiB); benchmarks/plan_vs_synth.py, "
        "recorded 2026-12-07 on a CPU, 2 CPUs, load average 0.50"
    )


def test_the_readme_quotes_the_committed_record() -> None:
    record = read_recorded(BENCHMARK_RECORD)
    assert record is not None
    readme = (BENCHMARK_RECORD.parents[2] / "README.md").read_text(encoding="utf-8")
    assert (
        f"`benchmarks/results/plan_vs_synth.json` on {record.machine} "
        f"(load average {record.load_average:.2f}), {record.recorded}:"
    ) in readme
    for s in record.stacks:
        row = (
            f"| {s.stack} | {s.plan_seconds:.2f} s, {s.plan_mib:.0f} MiB "
            f"| {s.synth_seconds:.2f} s, {s.synth_mib:.0f} MiB "
            f"| {s.median_ratio:.1f}x ({s.min_ratio:.1f}x to {s.max_ratio:.1f}x) |"
        )
        assert row in readme, f"README's performance table lacks {row}"
