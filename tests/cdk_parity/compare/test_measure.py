"""Peak memory counts a side's whole process tree (CDK's jsii kernel is a Node.js child).

The processes these tests start wait to be told to exit, so what a test sees does not
depend on how fast the machine runs them.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cdk_parity.compare import measure
from cdk_parity.compare.measure import peak_memory, time_in_turn, tree_rss

#: For the tests that read a real process's memory: only Linux has /proc (elsewhere
#: ``peak_memory`` reports unknown without running anything, tested below everywhere).
needs_proc = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="peak memory is read from Linux's /proc"
)

#: A child that holds 150 MiB until it is released: it writes to every page (so each one
#: is resident), says so by creating ``ready``, and exits once ``release`` exists.
CHILD = """\
import pathlib, sys, time
ready, release = map(pathlib.Path, sys.argv[1:])
held = bytearray(150 * 2**20)
held[::4096] = bytes(len(held[::4096]))
ready.touch()
while not release.exists():
    time.sleep(0.01)
"""
#: A parent that holds little and runs the child.
PARENT = "import subprocess, sys\nsubprocess.run([sys.executable, *sys.argv[1:]], check=True)\n"


@needs_proc
def test_peak_memory_includes_the_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child is released only by a sample taken after it holds its memory, so the
    peak includes it however slowly the machine runs either process."""
    ready, release, child = tmp_path / "ready", tmp_path / "release", tmp_path / "child.py"
    child.write_text(CHILD)
    sample = measure.tree_rss
    after_ready: list[int] = []

    def sampled(pid: int) -> int:
        held = ready.exists()  # looked at before sampling: this sample comes after it
        rss = sample(pid)
        if held:
            after_ready.append(rss)
            release.touch()
        return rss

    monkeypatch.setattr(measure, "tree_rss", sampled)
    try:
        peak = peak_memory([sys.executable, "-c", PARENT, str(child), str(ready), str(release)])
    finally:
        release.touch()  # whatever failed, the child is not left waiting
    assert after_ready, "no sample was taken while the child held its memory"
    assert peak is not None
    assert peak >= after_ready[0] > 150 * 2**20


@needs_proc
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
    # It lives until its standard input closes.
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert tree_rss(process.pid) > 0  # its own memory still counts
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait()


@needs_proc
def test_a_failing_side_is_an_error_not_a_number() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        peak_memory([sys.executable, "-c", "import sys; sys.stderr.write('why'); sys.exit(3)"])
    assert failed.value.returncode == 3
    assert failed.value.stderr == "why"


@needs_proc
def test_a_side_writing_more_than_a_pipe_holds_to_stderr_still_ends() -> None:
    """CDK's warnings go to stderr: a pipe nobody read while sampling filled at 64 KiB,
    and the side then blocked forever. The timeout only keeps a broken run from hanging."""
    side = [sys.executable, "-c", "import sys; sys.stderr.write('w' * 2**20)"]
    finished: list[int | None] = []
    worker = threading.Thread(target=lambda: finished.append(peak_memory(side)), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert finished, "peak_memory did not return: the side blocked writing to stderr"
    assert finished[0] is not None


def test_without_proc_peak_memory_is_unknown_not_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS and Windows have no /proc: the report says unknown, and the side is not run."""
    monkeypatch.setattr(measure, "PROC", tmp_path / "no-proc")
    ran = tmp_path / "ran"
    assert peak_memory([sys.executable, "-c", f"open({str(ran)!r}, 'w')"]) is None
    assert not ran.exists()


def test_sides_run_in_turn() -> None:
    order: list[str] = []

    def side(name: str, seconds: float) -> float:
        order.append(name)
        return seconds

    timing = time_in_turn(lambda: side("p", 2.0), lambda: side("c", 1.0), 3)
    assert order == ["p", "c"] * 3
    assert timing.ratios == (0.5, 0.5, 0.5)
    assert timing.median_ratio == 0.5
