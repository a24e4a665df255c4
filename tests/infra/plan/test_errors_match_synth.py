"""The offline plan and the CDK reference's synth read one stack file the same way: a bad
one gives both commands the same message (one line per problem) and the same exit code.
Both commands' ``main`` run in this process; their CLIs are tested on their own elsewhere."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.infra.plan.test_cli import throwaway_stack

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
    with throwaway_stack(text) as stack:
        yield stack, message


def _run(main: Callable[[list[str]], int], args: list[str]) -> tuple[int, str]:
    """A command's ``main`` in this process: its exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, err.getvalue()


def _error(stderr: str) -> str:
    """The error: its ``error:`` line and any indented lines after it."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("error:"))
    block = [lines[start]]
    block += [line for line in lines[start + 1 :] if line.startswith("  ")]
    return "\n".join(block)


@pytest.mark.parametrize("stack_file", sorted(BAD_STACK_FILES), indirect=True)
def test_plan_and_synth_report_a_bad_stack_file_alike(
    stack_file: tuple[str, str], tmp_path: Path
) -> None:
    from cdk_parity.__main__ import main as cdk_main
    from infra_pulumi.plan.__main__ import main as plan_main

    stack, message = stack_file
    plan_code, plan_err = _run(plan_main, ["--stack", stack, "--json", "-"])
    synth_code, synth_err = _run(
        cdk_main, ["synth", "--stack", stack, "--out", str(tmp_path / "cdk.out")]
    )
    assert (plan_code, synth_code) == (2, 2), (plan_err, synth_err)
    assert _error(plan_err) == _error(synth_err)
    assert re.search(message, _error(plan_err)), plan_err
    assert "Traceback" not in plan_err + synth_err
