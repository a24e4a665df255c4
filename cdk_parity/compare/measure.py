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

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.01


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
        tasks = list(Path(f"/proc/{pid}/task").glob("*/children"))
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
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
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
    if not Path("/proc/self/status").exists():
        return None
    process = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(SAMPLE_SECONDS)
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, list(command), stderr=stderr)
    return peak
