"""Peak memory counts a side's whole process tree (CDK's jsii kernel is a Node.js child)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cdk_parity.compare.measure import peak_memory, time_in_turn, tree_rss

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="peak memory is read from Linux's /proc"
)

#: A parent that holds little and starts a child that holds 150 MiB for a moment.
PARENT = (
    "import subprocess, sys\n"
    "subprocess.run([sys.executable, '-c', "
    "'import time; b = bytearray(150 * 2**20); b[::4096] = bytes(len(b[::4096])); "
    "time.sleep(0.5)'], check=True)\n"
)


def test_peak_memory_includes_the_children() -> None:
    peak = peak_memory([sys.executable, "-c", PARENT])
    assert peak is not None
    assert peak > 150 * 2**20


def test_a_process_exiting_while_it_is_sampled_counts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sampling races the side's exit. Listing ``/proc/<pid>/task`` of a process that is
    exiting raised, in a real run of ``compare`` here, ``ProcessLookupError: [Errno 3] No
    such process: '/proc/<pid>/task'`` from ``os.scandir``; that is zero bytes, not an error."""
    listing = Path.glob

    def exiting(self: Path, pattern: str) -> object:
        if self.name == "task":
            raise ProcessLookupError(3, "No such process", str(self))
        return listing(self, pattern)

    monkeypatch.setattr(Path, "glob", exiting)
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    try:
        assert tree_rss(process.pid) > 0  # its own memory still counts
    finally:
        process.kill()
        process.wait()


def test_a_failing_side_is_an_error_not_a_number() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        peak_memory([sys.executable, "-c", "raise SystemExit(3)"])


def test_sides_run_in_turn() -> None:
    order: list[str] = []

    def side(name: str, seconds: float) -> float:
        order.append(name)
        return seconds

    timing = time_in_turn(lambda: side("p", 2.0), lambda: side("c", 1.0), 3)
    assert order == ["p", "c"] * 3
    assert timing.ratios == (0.5, 0.5, 0.5)
    assert timing.median_ratio == 0.5
