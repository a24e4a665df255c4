"""Each side as the comparison runs it, and as the peak-memory run starts it: a fresh process."""

from __future__ import annotations

import os
import subprocess

from cdk_parity.compare.sides import EXAMPLE_RELEASE, release_for, side_command


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, env=environment
    )


def test_a_stack_that_requires_a_release_is_compared_after_one() -> None:
    assert release_for("dev") is None
    assert release_for("prod") == EXAMPLE_RELEASE


def test_the_memory_run_command_runs_one_side() -> None:
    result = _run(side_command("pulumi", "dev", "synth-time"))
    assert result.returncode == 0, result.stderr


def test_the_memory_run_command_refuses_an_unknown_side() -> None:
    command = side_command("pulumi", "dev", "synth-time")
    command[-3] = "terraform"
    result = _run(command)
    assert result.returncode == 2
    assert "usage: python -m cdk_parity.compare.sides <pulumi|cdk> <stack> <mode>" in result.stderr
