"""The offline plan and the CDK reference's synth read one stack file the same way: a bad
one gives both commands the same one-line message and the same exit code."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_pulumi.plan.runner import PROJECT_ROOT

BAD_STACK_FILES = {
    "misspelt-key": (
        "config:\n  aws:region: ap-northeast-1\n"
        "  container-delivery:lambdaFunctions: [{name: api, command: [api.handler]}]\n"
        "  container-delivery:ecrKeepImage: 30\n",
        r"container-delivery:ecrKeepImage: not a config key of this project; "
        r"did you mean ecrKeepImages\?",
    ),
    "nested": (
        "config:\n  aws:region: ap-northeast-1\n"
        "  container-delivery:lambdaFunctions: [{name: api, command: [api.handler]}]\n"
        "  container-delivery:web: {desiredCount: -1}\n",
        r"container-delivery:web\[desiredCount\]: Input should be greater than or equal to 0",
    ),
    "yaml": (
        "config:\n  container-delivery:web: {cpu: [256\n",
        r"Pulumi\.\S+\.yaml:3:1: ",
    ),
}


@pytest.fixture
def stack_file(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A throwaway Pulumi.<stack>.yaml in the project, removed afterwards."""
    text, message = BAD_STACK_FILES[request.param]
    stack = f"zz-test-{uuid.uuid4().hex[:8]}"
    path = PROJECT_ROOT / f"Pulumi.{stack}.yaml"
    path.write_text(text)
    try:
        yield stack, message
    finally:
        path.unlink()


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return line


@pytest.mark.parametrize("stack_file", sorted(BAD_STACK_FILES), indirect=True)
def test_plan_and_synth_report_a_bad_stack_file_alike(
    stack_file: tuple[str, str], tmp_path: Path
) -> None:
    stack, message = stack_file
    commands = {
        "plan": [sys.executable, "-m", "infra_pulumi.plan", "--stack", stack, "--json", "-"],
        "synth": [sys.executable, "-m", "cdk_parity", "synth", "--stack", stack, "--out",
                  str(tmp_path / "cdk.out")],
    }  # fmt: skip
    results = {
        name: subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
        )
        for name, command in commands.items()
    }
    codes = {name: r.returncode for name, r in results.items()}
    assert codes == {"plan": 2, "synth": 2}, {n: r.stderr for n, r in results.items()}
    lines = {name: _error_line(r) for name, r in results.items()}
    assert lines["plan"] == lines["synth"]
    assert __import__("re").search(message, lines["plan"]), lines["plan"]
    assert all("Traceback" not in r.stderr for r in results.values())
