"""Timing and peak memory of each side, measured in the same run as the comparison.

Timing: after the comparison has warmed both sides up (pulumi_aws imported, the jsii
kernel started), each side runs ``repetitions`` more times, in turn, and each pair
gives one CDK/Pulumi ratio; the summary shows their median and range.

Peak memory: each side runs once more in a fresh process (``python -m
cdk_parity.compare.sides <side> <stack> <mode>``), while this process samples the resident
memory of that process and all its children (CDK's jsii kernel is a Node.js child)
from ``/proc`` every few milliseconds. Linux only; elsewhere it is reported as unknown.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cdk_parity.exceptions import BenchmarkRecordError

SAMPLE_SECONDS = 0.01
#: Linux's process information: each process's memory and children are read from here.
PROC = Path("/proc")
BENCHMARK_RECORD = (
    Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "plan_vs_synth.json"
)


@dataclass(frozen=True)
class Timing:
    """Warm repetitions of both sides on one stack, run in turn."""

    pulumi_seconds: tuple[float, ...]
    cdk_seconds: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        """CDK/Pulumi for each repetition."""
        return tuple(c / p for p, c in zip(self.pulumi_seconds, self.cdk_seconds, strict=True))

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)


def time_in_turn(pulumi: Callable[[], float], cdk: Callable[[], float], repetitions: int) -> Timing:
    """Run each side ``repetitions`` times, alternating; each callable returns its seconds."""
    pulumi_seconds, cdk_seconds = [], []
    for _ in range(repetitions):
        pulumi_seconds.append(pulumi())
        cdk_seconds.append(cdk())
    return Timing(tuple(pulumi_seconds), tuple(cdk_seconds))


def _children(pid: int) -> list[int]:
    """The children of ``pid``; none once it has exited (listing its tasks then raises)."""
    found = []
    try:
        tasks = list((PROC / str(pid) / "task").glob("*/children"))
    except OSError:  # ProcessLookupError when the process exits while it is listed
        return []
    for task in tasks:
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant alive now."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_bytes(current)
        pending += _children(current)
    return total


def peak_memory(command: Sequence[str], *, cwd: Path | None = None) -> int | None:
    """Peak resident bytes of ``command``'s process tree; None where /proc is missing.

    Raises ``subprocess.CalledProcessError`` if the command fails.
    """
    if not (PROC / "self" / "status").exists():
        return None
    # stderr goes to a file, not a pipe: nothing reads a pipe while sampling, and a side
    # that wrote more than the pipe holds (about 64 KiB) would block and never end.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors:
        process = subprocess.Popen(
            list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, text=True
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(SAMPLE_SECONDS)
        if process.returncode != 0:
            errors.seek(0)
            raise subprocess.CalledProcessError(
                process.returncode, list(command), stderr=errors.read()
            )
    return peak


@dataclass(frozen=True)
class StackBenchmark:
    """One stack's whole-process pairs: medians of each side and of the per-pair ratio."""

    stack: str
    plan_seconds: float
    synth_seconds: float
    plan_mib: float
    synth_mib: float
    median_ratio: float
    min_ratio: float
    max_ratio: float
    pairs: int

    @classmethod
    def of(
        cls, stack: str, plans: Sequence[tuple[float, float]], synths: Sequence[tuple[float, float]]
    ) -> StackBenchmark:
        """From (seconds, peak MiB) of each run, the i-th plan paired with the i-th synth."""
        if not plans or len(plans) != len(synths):
            raise ValueError(
                f"{stack}: need as many synth runs as plan runs, at least one; got "
                f"{len(plans)} plan and {len(synths)} synth runs"
            )
        ratios = [s[0] / p[0] for p, s in zip(plans, synths, strict=True)]
        return cls(
            stack=stack,
            plan_seconds=statistics.median(p[0] for p in plans),
            synth_seconds=statistics.median(s[0] for s in synths),
            plan_mib=statistics.median(p[1] for p in plans),
            synth_mib=statistics.median(s[1] for s in synths),
            median_ratio=statistics.median(ratios),
            min_ratio=min(ratios),
            max_ratio=max(ratios),
            pairs=len(ratios),
        )

    def line(self) -> str:
        return (
            f"{self.stack}: CDK synth / Pulumi plan {self.median_ratio:.1f}x median of "
            f"{self.pairs} pairs (range {self.min_ratio:.1f}x to {self.max_ratio:.1f}x; "
            f"plan {self.plan_seconds:.2f} s, {self.plan_mib:.0f} MiB; "
            f"synth {self.synth_seconds:.2f} s, {self.synth_mib:.0f} MiB)"
        )


@dataclass(frozen=True)
class RecordedBenchmark:
    """What ``benchmarks/plan_vs_synth.py --record`` measured, and where."""

    recorded: str
    """UTC date of the run, ISO 8601."""
    machine: str
    """CPU model and count, Python and Node.js versions."""
    load_average: float
    """The one-minute load average when the run started: other work slows both sides."""
    stacks: tuple[StackBenchmark, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, document: Any) -> RecordedBenchmark:
        try:
            return cls(
                recorded=_typed(document["recorded"], str),
                machine=_typed(document["machine"], str),
                load_average=float(_typed(document["load_average"], (int, float))),
                stacks=tuple(
                    StackBenchmark(**{k: _typed(v, (str, int, float)) for k, v in s.items()})
                    for s in _typed(document["stacks"], list)
                ),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise BenchmarkRecordError(f"not a benchmark record: {error}") from error


def _typed(value: Any, kind: type | tuple[type, ...]) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"unexpected value {value!r}")
    return value


def read_recorded(path: Path = BENCHMARK_RECORD) -> RecordedBenchmark | None:
    """The recorded benchmark; None if it was never recorded. Raises
    ``BenchmarkRecordError`` if the file is there but unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BenchmarkRecordError(f"{path}: not JSON: {error}") from error
    try:
        return RecordedBenchmark.from_json(document)
    except BenchmarkRecordError as error:
        raise BenchmarkRecordError(f"{path}: {error}") from error
