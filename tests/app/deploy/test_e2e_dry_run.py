"""``release --dry-run`` and ``rollback --dry-run`` end to end: print the plan, change nothing.

The real CLI runs against a moto server through the fault proxy, which answers every
write (any SSM, ECR or CodeDeploy ``Put*``, ``Delete*``, ``Create*``, ..., any Lambda
request that is not a GET) with an error: a dry run that wrote anything would fail,
and the rule would count it.
"""

from __future__ import annotations

import json
import re

import pytest

from .fakes import NEW, NEWER, OLD, FakeStack
from .faultproxy import Rule
from .test_e2e_safety import released, tag_parameter

pytestmark = pytest.mark.e2e

_WRITE_OPERATION = re.compile(
    r"\.(Put|Delete|Label|Unlabel|Create|Stop|Update|Publish|Register|Tag|Untag)"
)


def any_write(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
    target = headers.get("x-amz-target")
    if target is not None:  # JSON protocol: SSM, ECR, CodeDeploy
        return bool(_WRITE_OPERATION.search(target))
    return method != "GET"  # Lambda (rest-json): every write is a PUT, POST or DELETE


@pytest.fixture
def writes(proxy) -> Rule:
    return proxy.add(Rule(any_write, 500, "InternalServerError"))


def everything(stack: FakeStack) -> dict[str, object]:
    """What a release may change: the tag and its history, each function, and the lock."""
    return {
        "state": stack.state("lambda"),
        "history": [v["Version"] for v in stack.history("lambda")],
        "revisions": {
            fn: stack.lambda_.get_function(FunctionName=fn)["Configuration"]["RevisionId"]
            for fn in stack.functions("lambda")
        },
        "lock": stack.lock_value("lambda"),
        "failed": stack.failed_record("lambda"),
    }


def test_release_dry_run_prints_one_line_per_step_and_changes_nothing(e2e_stack, writes, deploy):
    stack = e2e_stack
    before = everything(stack)

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--dry-run")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"plan: release of image lambda to {NEW} (recorded: {OLD}): 5 steps"
    assert [line.split()[1] for line in lines[1:]] == ["put-parameter"] + ["update-code"] * 4
    assert f"{tag_parameter(stack)}: {OLD} -> {NEW}; guard: version" in lines[1]
    for fn, line in zip(stack.functions("lambda"), lines[2:], strict=True):
        revision = before["revisions"][fn]  # type: ignore[index]
        assert f" {fn}: {stack.uri('lambda', OLD)} -> {stack.uri('lambda', NEW)}" in line
        assert f"guard: RevisionId {revision}" in line
    assert writes.hits == 0
    assert everything(stack) == before


def test_release_dry_run_json_and_an_empty_plan_exit_0(e2e_stack, writes, deploy):
    changes = deploy("release", "--image", "lambda", "--tag", NEW, "--dry-run", "--json")
    nothing = deploy("release", "--image", "lambda", "--tag", OLD, "--dry-run", "--json")
    text = deploy("release", "--image", "lambda", "--tag", OLD, "--dry-run")

    assert changes.returncode == 0, changes.stderr
    document = json.loads(changes.stdout)
    assert (document["dryRun"], document["empty"], document["previousTag"]) == (True, False, OLD)
    assert [s["action"] for s in document["steps"]] == ["put-parameter"] + ["update-code"] * 4
    assert nothing.returncode == 0, nothing.stderr
    assert json.loads(nothing.stdout)["empty"] is True
    assert json.loads(nothing.stdout)["steps"] == []
    assert text.stdout.strip() == (
        f"plan: release of image lambda: {OLD} is already released; nothing to change"
    )
    assert writes.hits == 0


def test_rollback_dry_run_names_the_tag_it_would_choose(e2e_stack, writes, deploy):
    stack = e2e_stack
    released(stack, NEWER)  # history: initial, OLD, NEWER
    before = everything(stack)

    run = deploy("rollback", "--image", "lambda", "--dry-run", "--json")

    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert (document["command"], document["tag"], document["previousTag"]) == (
        "rollback",
        OLD,
        NEWER,
    )
    assert len(document["steps"]) == 5
    assert writes.hits == 0
    assert everything(stack) == before


def test_a_dry_run_notes_a_held_lock_and_still_refuses_bad_input(e2e_stack, writes, deploy):
    stack = e2e_stack
    lock = f"{tag_parameter(stack).rsplit('/', 1)[0]}/release-lock"
    stack.ssm.put_parameter(Name=lock, Value="taken by hand", Type="String")

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--dry-run")
    missing = deploy("release", "--image", "lambda", "--tag", NEWER, "--dry-run")

    assert run.returncode == 0, run.stderr
    assert f"note: release lock {lock} is held by unknown command" in run.stdout
    assert missing.returncode == 2, missing.stderr
    assert f"tag {NEWER} is not in ECR repository" in missing.stderr
    assert writes.hits == 0


def test_schema_2_dry_run_plans_versions_and_deployments_and_starts_none(
    traffic_stack, codedeploy, writes, deploy
):
    stack = traffic_stack
    before = {fn: stack.alias(fn) for fn in stack.functions("lambda")}

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--dry-run", "--json")

    assert run.returncode == 0, run.stderr
    actions = [s["action"] for s in json.loads(run.stdout)["steps"]]
    assert (
        actions
        == ["put-parameter"] + ["update-code"] * 2 + ["publish-version"] * 2 + ["shift-alias"] * 2
    )
    shift = json.loads(run.stdout)["steps"][-1]
    assert (shift["fromVersion"], shift["deploymentConfig"]) == ("2", None)
    assert writes.hits == 0
    assert all(codedeploy.of(fn) == [] for fn in stack.functions("lambda"))
    assert {fn: stack.alias(fn) for fn in stack.functions("lambda")} == before
    assert stack.recorded_tag("lambda") == OLD
