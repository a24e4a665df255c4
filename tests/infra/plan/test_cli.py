"""``python -m infra_pulumi.plan`` end to end, run the way Pulumi's host would see it.

The first tests run a subprocess with ``python -I`` from the project root: nothing but
the virtualenv is on ``sys.path``, so the program only works because the project is
installed (``-e ..`` in infra_pulumi/requirements.txt, which ``pulumi install`` uses), as
under ``pulumi up``. The others call the same ``main`` in this process (``plan_here``),
which is what they test and a second or two faster each.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_pulumi.plan.runner import PROJECT_ROOT


def run_plan(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-m", "infra_pulumi.plan", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def plan_here(*args: str) -> subprocess.CompletedProcess[str]:
    """``main(args)`` in this process, with its exit code, stdout and stderr."""
    from infra_pulumi.plan.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def throwaway_stack(text: str) -> Iterator[str]:
    """A ``Pulumi.<stack>.yaml`` holding ``text`` in the project, for the length of a test:
    its stack name (unique, so tests running side by side do not meet)."""
    stack = f"zz-test-{uuid.uuid4().hex[:8]}"
    path = PROJECT_ROOT / f"Pulumi.{stack}.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        yield stack
    finally:
        path.unlink()


def test_plan_prints_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run_plan("--stack", "dev", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Offline plan: container-delivery / dev" in result.stdout
    assert "Resolved image tags" in result.stdout
    assert "aws:lambda/function:Function" in result.stdout
    assert "does not exist yet" in result.stdout  # the first-deploy warning
    plan = json.loads(out.read_text())
    assert plan["resolvedImageTags"] == {
        "lambda": {"tag": "initial", "source": "placeholder"},
        "web": {"tag": "initial", "source": "placeholder"},
    }
    types = {r["type"] for r in plan["resources"]}
    assert {"aws:ecr/repository:Repository", "docker:index/image:Image"} <= types
    # The release lock table, with what a reviewer checks at a glance (rich folds the cell).
    assert "aws:dynamodb/table:Table" in types
    cells = " ".join(result.stdout.replace("│", " ").split())
    for shown in ("hashKey=lockKey", "billingMode=PAY_PER_REQUEST", "deletionProtectionEnabled"):
        assert shown in cells, shown


def test_plan_json_to_stdout() -> None:
    result = run_plan("--json", "-")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "dev"


def test_plan_of_a_stack_that_requires_a_release_explains_the_ways_forward() -> None:
    result = plan_here("--stack", "prod", "--json", "-")
    assert result.returncode == 1
    assert "requireRelease: true" in result.stderr
    assert "--stack prod --released <tag>" in result.stderr
    assert "--stack prod --state params.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_plan_as_after_a_release_shows_where_each_tag_came_from(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = plan_here(
        "--stack", "dev", "--released", "def5678", "--tag", "lambda=abc1234", "--json", str(out)
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(out.read_text())
    assert plan["resolvedImageTags"] == {
        "lambda": {"tag": "abc1234", "source": "parameter"},
        "web": {"tag": "def5678", "source": "parameter"},
    }
    assert plan["tagOrigins"] == {"lambda": "--tag", "web": "--released"}
    assert "parameter value from" in result.stdout


@pytest.mark.parametrize("shape", ["mapping", "aws-cli"])
def test_plan_of_the_live_state_from_a_parameters_file(tmp_path: Path, shape: str) -> None:
    values = {"/container-delivery/prod/images/lambda/tag": "abc1234"}
    document: object = values
    if shape == "aws-cli":
        document = {
            "Parameters": [{"Name": k, "Value": v, "Type": "String"} for k, v in values.items()],
            "InvalidParameters": ["/container-delivery/prod/images/web/tag"],
        }
    state = tmp_path / "params.json"
    state.write_text(json.dumps(document))
    # The web tag is not in the file: prod requires a release, so the plan stops on it.
    result = plan_here("--stack", "prod", "--state", str(state), "--json", "-")
    assert result.returncode == 1
    assert "/container-delivery/prod/images/web/tag does not exist" in result.stderr
    result = plan_here("--stack", "dev", "--state", str(state), "--json", "-")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["tagOrigins"]["web"] == f"not in state file {state}: not found"


#: The checkout's stacks, whatever stack files a user has added (read here with a glob).
CHECKOUT_STACKS = ", ".join(
    sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in PROJECT_ROOT.glob("Pulumi.*.yaml")
    )
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--stack", "no-such-stack"],
            "no stack file Pulumi.no-such-stack.yaml .*the stacks here are: "
            + re.escape(CHECKOUT_STACKS),
        ),
        (["--stack", "../Pulumi.dev"], "'../Pulumi.dev' is not a stack name"),
        (["--state", "/nonexistent/params.json"], "--state /nonexistent/params.json: No such file"),
    ],
)
def test_plan_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = plan_here(*args, "--json", "-")
    assert result.returncode == 2, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert re.search(message, line), line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("option", [["--tag", "lambda=LATEST"], ["--released", "latest"]])
def test_a_tag_that_is_not_a_release_is_the_options_fault(option: list[str]) -> None:
    """Exit 2 naming the option: the user's input, not the SSM parameter, is wrong."""
    result = plan_here(*option, "--json", "-")
    assert result.returncode == 2, result.stderr
    assert f"argument {option[0]}:" in result.stderr
    assert "is not a release tag" in result.stderr
    assert "parameter" not in result.stderr.split("error:", 1)[1]


def test_help_says_the_default_stack() -> None:
    result = plan_here("--help")
    assert result.returncode == 0
    assert "(default: dev)" in " ".join(result.stdout.split())


def test_plan_refuses_a_malformed_tag_option() -> None:
    result = plan_here("--tag", "api=abc1234", "--json", "-")
    assert result.returncode == 2
    assert "expected IMAGE=TAG with IMAGE one of lambda, web" in result.stderr
