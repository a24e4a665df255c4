"""The planner alone: plans from given state, with no AWS at all.

Each test writes down what was "read" (a ``ReleaseState``) and checks the steps the
planner makes of it, their guards and their restores, for both manifest schemas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.deploy.exceptions import NoPreviousTagError
from app.deploy.functions import FunctionState
from app.deploy.manifest import EcsServiceTarget, ImageTargets, LambdaTarget
from app.deploy.plan import PublishVersion, PutTag, ShiftAlias, UpdateCode, WriteImageDefinitions
from app.deploy.planner import choose_previous, plan_release
from app.deploy.records import Version
from app.deploy.state import AliasRead, ReleaseState
from app.deploy.traffic import ALL_AT_ONCE, AliasState

URL = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/cd-dev-lambda"
OLD, NEW = "aaaaaaa", "bbbbbbb"
FUNCTIONS = ("cd-dev-jobs", "cd-dev-api", "cd-dev-report")


def image(*, traffic: bool = False, ecs: bool = False) -> ImageTargets:
    functions: tuple[str | LambdaTarget, ...] = (
        tuple(LambdaTarget(name, "live", "cd-dev-lambda", name) for name in FUNCTIONS)
        if traffic
        else FUNCTIONS
    )
    return ImageTargets(
        repository_name="cd-dev-lambda",
        repository_url=URL,
        tag_parameter="/cd/dev/images/lambda/tag",
        placeholder_tag="initial",
        lambda_functions=() if ecs else functions,
        ecs_services=(EcsServiceTarget("cd-dev", "cd-dev-web", "web"),) if ecs else (),
    )


def config(tag: str, **changes: object) -> dict[str, object]:
    """A FunctionConfiguration as GetFunction returns it, for an image of ``tag``."""
    base: dict[str, object] = {
        "CodeSha256": f"sha-{tag}",
        "MemorySize": 512,
        "Timeout": 30,
        "RevisionId": f"r-{tag}",
    }
    return base | changes


def functions(*tags: str) -> dict[str, FunctionState]:
    return {
        name: FunctionState(f"{URL}:{tag}", f"rev-{name}", config(tag))
        for name, tag in zip(FUNCTIONS, tags, strict=True)
    }


def test_schema_1_puts_the_tag_then_updates_each_function_that_runs_another_image():
    state = ReleaseState(OLD, 7, functions(OLD, NEW, OLD))

    plan = plan_release("release", "lambda", image(), NEW, state)

    assert plan.steps == (
        PutTag("/cd/dev/images/lambda/tag", NEW, OLD, 7),
        UpdateCode("cd-dev-jobs", f"{URL}:{NEW}", f"{URL}:{OLD}", "rev-cd-dev-jobs"),
        UpdateCode("cd-dev-report", f"{URL}:{NEW}", f"{URL}:{OLD}", "rev-cd-dev-report"),
    )
    assert not plan.empty
    put, update = plan.steps[0], plan.steps[1]
    assert put.guard() == "version 7 read"
    assert "if the newest version is still this release's" in put.restore()
    assert update.guard() == "RevisionId rev-cd-dev-jobs"
    assert update.restore().startswith(f"update back to {URL}:{OLD}, guarded by the RevisionId")


def test_a_recorded_tag_everywhere_is_an_empty_plan():
    plan = plan_release(
        "release", "lambda", image(), NEW, ReleaseState(NEW, 9, functions(NEW, NEW, NEW))
    )

    assert plan.steps == ()
    assert plan.empty
    assert plan.lines() == [
        f"plan: release of image lambda: {NEW} is already released; nothing to change"
    ]
    assert plan.to_dict()["empty"] is True


def test_a_recorded_tag_with_drift_updates_only_the_drifted_function():
    plan = plan_release(
        "release", "lambda", image(), NEW, ReleaseState(NEW, 9, functions(NEW, OLD, NEW))
    )

    assert [type(s) for s in plan.steps] == [UpdateCode]
    assert plan.updates[0].function == "cd-dev-api"
    assert plan.put is None


def test_ecs_targets_get_imagedefinitions_last_and_only_with_a_path():
    ecs = image(ecs=True)
    state = ReleaseState(OLD, 1, {})

    with_path = plan_release("release", "web", ecs, NEW, state, imagedefinitions=Path("x.json"))
    without = plan_release("release", "web", ecs, NEW, state, imagedefinitions=None)

    assert with_path.steps[-1] == WriteImageDefinitions(
        "x.json", f"{URL}:{NEW}", ("web",), ("ECS service cd-dev/cd-dev-web (container web)",)
    )
    assert [type(s) for s in without.steps] == [PutTag]
    noop = plan_release(
        "release", "web", ecs, NEW, ReleaseState(NEW, 2, {}), imagedefinitions=Path("x.json")
    )
    assert noop.empty  # the local file is still written; nothing changes in AWS
    assert len(noop.steps) == 1


def aliases(
    served: dict[str, tuple[str, dict[str, object], dict[str, float]]],
) -> dict[str, AliasRead]:
    return {
        name: AliasRead(AliasState("live", version, weights), served_config)
        for name, (version, served_config, weights) in served.items()
    }


def test_schema_2_updates_publishes_and_shifts_where_the_alias_lags():
    state = ReleaseState(
        OLD,
        3,
        functions(OLD, NEW, NEW)
        | {"cd-dev-report": FunctionState(f"{URL}:{NEW}", "rev-r", config(NEW, MemorySize=1024))},
        aliases(
            {
                "cd-dev-jobs": ("4", config(OLD), {}),  # code to update, then shift
                "cd-dev-api": ("6", config(NEW), {}),  # serves what $LATEST holds: nothing
                "cd-dev-report": ("2", config(NEW), {}),  # memory changed by infra: shift
            }
        ),
    )

    plan = plan_release("release", "lambda", image(traffic=True), NEW, state)

    jobs, report = (
        LambdaTarget(n, "live", "cd-dev-lambda", n) for n in ("cd-dev-jobs", "cd-dev-report")
    )
    assert plan.steps == (
        PutTag("/cd/dev/images/lambda/tag", NEW, OLD, 3),
        UpdateCode("cd-dev-jobs", f"{URL}:{NEW}", f"{URL}:{OLD}", "rev-cd-dev-jobs"),
        PublishVersion("cd-dev-jobs", NEW, None, None, ("code",)),
        PublishVersion("cd-dev-report", NEW, f"sha-{NEW}", f"r-{NEW}", ("memory",)),
        ShiftAlias(jobs, "4", None),
        ShiftAlias(report, "2", None),
    )
    assert plan.steps[2].guard() == "CodeSha256 and RevisionId as the update leaves them"
    assert plan.steps[3].guard() == f"CodeSha256 sha-{NEW}, RevisionId r-{NEW}"
    assert plan.steps[4].guard() == "live serves version 4"
    assert "deploy back to version 4 all at once" in plan.steps[4].restore()


def test_schema_2_a_split_alias_is_shifted_even_with_nothing_changed():
    state = ReleaseState(
        NEW,
        3,
        functions(NEW, NEW, NEW),
        aliases(
            {
                name: ("5", config(NEW), {"6": 0.1} if name == "cd-dev-api" else {})
                for name in FUNCTIONS
            }
        ),
    )

    plan = plan_release(
        "rollback", "lambda", image(traffic=True), NEW, state, deployment_config=ALL_AT_ONCE
    )

    (publish,) = plan.publishes
    (shift,) = plan.shifts
    assert (publish.function, publish.changed) == ("cd-dev-api", ())
    assert "traffic split" in publish.change()
    assert (shift.function.name, shift.from_version, shift.config) == (
        "cd-dev-api",
        "5",
        ALL_AT_ONCE,
    )


def test_the_plan_prints_one_line_per_step_and_json_for_machines():
    state = ReleaseState(OLD, 7, functions(OLD, NEW, OLD), notes=("release lock X is held",))

    plan = plan_release("release", "lambda", image(), NEW, state)

    lines = plan.lines()
    assert lines[0] == f"plan: release of image lambda to {NEW} (recorded: {OLD}): 3 steps"
    assert [line.split()[1] for line in lines[1:4]] == [
        "put-parameter",
        "update-code",
        "update-code",
    ]
    assert lines[-1] == "note: release lock X is held"
    document = json.loads(json.dumps(plan.to_dict()))
    assert document["dryRun"] is True
    assert [s["step"] for s in document["steps"]] == [1, 2, 3]
    assert document["steps"][1] == {
        "step": 2,
        "action": "update-code",
        "target": "cd-dev-jobs",
        "from": f"{URL}:{OLD}",
        "to": f"{URL}:{NEW}",
        "revisionId": "rev-cd-dev-jobs",
        "guard": "RevisionId rev-cd-dev-jobs",
        "restore": f"update back to {URL}:{OLD}, guarded by the RevisionId after this update",
    }


def history(*values: str) -> list[Version]:
    return [Version(number, value) for number, value in enumerate(values, 1)]


def test_rollback_chooses_the_newest_other_value_that_did_not_fail():
    versions = history("initial", "1111111", "2222222", "3333333", "4444444")

    assert choose_previous("lambda", image(), versions, failed=set()) == "3333333"
    assert choose_previous("lambda", image(), versions, failed={4}) == "2222222"


def test_rollback_refuses_the_placeholder_and_a_history_without_another_value():
    with pytest.raises(NoPreviousTagError, match=r"is the placeholder 'initial'"):
        choose_previous("lambda", image(), history("initial", "1111111"), failed=set())
    with pytest.raises(NoPreviousTagError, match=r"no earlier value than '1111111'"):
        choose_previous("lambda", image(), history("1111111", "1111111"), failed=set())
