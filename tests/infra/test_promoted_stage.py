"""A promoted stage (prod): what its targets run, what it refuses, what it publishes and
how it promotes. The build stage's side is in test_promotion.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_pulumi.exceptions import (
    InvalidDigestError,
    PromotionStateError,
    RegressionError,
    ReleaseRequiredError,
)
from infra_pulumi.plan import Plan
from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    LAMBDA_GET_FUNCTION,
    RELEASED_DIGEST,
    SSM_GET_PARAMETER,
    InvokeHandler,
    ecs_service_running,
    function_image,
    image_not_found,
    image_tags,
    parameter_value,
)
from tests.infra.conftest import RunProgram, policy

SOURCE = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev"
OWN = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-prod"
DIGEST = "sha256:" + "c" * 64
READER = "arn:aws:iam::111122223333:role/container-delivery-dev-promotion-reader"


def parameters(values: dict[str, str]) -> InvokeHandler:
    """getParameter by the name's last part (tag, digest); any other name: not found."""
    from infra_pulumi.plan.mocks import parameter_not_found

    def handler(args: Any) -> Any:
        kind = str(args["name"]).rsplit("/", 1)[-1]
        if kind in values:
            return parameter_value(values[kind])(args)
        return parameter_not_found(args)

    return handler


def run_prod(run_program: RunProgram, **invokes: InvokeHandler) -> Plan:
    return run_program(stack="prod", config={"requireRelease": "false"}, invokes=invokes)


# --- What targets run --------------------------------------------------------------------


def test_promoted_targets_run_the_build_stages_digest_never_a_tag(prod_plan: Plan) -> None:
    functions = prod_plan.of_type("aws:lambda/function:Function")
    assert len(functions) == 2
    for function in functions:
        assert function.inputs["imageUri"] == f"{SOURCE}-lambda@{RELEASED_DIGEST}", function.urn
    (task,) = prod_plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    assert container["image"] == f"{SOURCE}-web@{RELEASED_DIGEST}"
    assert prod_plan.outputs["stage"]["kind"] == "promoted"


def test_before_any_promotion_targets_run_their_own_placeholder(run_program: RunProgram) -> None:
    plan = run_prod(
        run_program, **{SSM_GET_PARAMETER: parameters({"tag": "initial", "digest": "initial"})}
    )
    (function, _) = plan.of_type("aws:lambda/function:Function")
    assert function.inputs["imageUri"].startswith(f"{OWN}-lambda@sha256:")
    assert plan.resolved_tags["lambda"] == {"tag": "initial", "source": "parameter"}


def test_the_first_deploy_needs_no_parameter(run_program: RunProgram) -> None:
    plan = run_prod(run_program)  # every read answers "not found"
    assert plan.resolved_tags["web"] == {"tag": "initial", "source": "placeholder"}
    with pytest.raises(ReleaseRequiredError):
        run_program(stack="prod")  # requireRelease: true in the stack file


def test_the_digest_parameters_start_at_initial_and_are_left_to_the_promote_command(
    prod_plan: Plan,
) -> None:
    import re

    found = {
        p.inputs["name"]: p
        for p in prod_plan.of_type("aws:ssm/parameter:Parameter")
        if p.inputs["name"].endswith("/digest")
    }
    assert set(found) == {
        "/container-delivery/prod/images/lambda/digest",
        "/container-delivery/prod/images/web/digest",
    }
    for parameter in found.values():
        assert parameter.inputs["insecureValue"] == "initial"
        assert parameter.inputs["type"] == "String"
        assert parameter.ignore_changes == ("insecureValue",)
        pattern = parameter.inputs["allowedPattern"]
        assert pattern == r"^sha256:[0-9a-f]{64}$|^initial$"
        accepted = [
            v
            for v in ("initial", DIGEST, "sha256:" + "C" * 64, "abc1234", "")
            if re.search(pattern, v)
        ]
        assert accepted == ["initial", DIGEST]


# --- What it refuses -------------------------------------------------------------------------


def test_a_tag_without_a_digest_is_refused(run_program: RunProgram) -> None:
    with pytest.raises(
        PromotionStateError, match=r"records 'abc1234'.*never a tag.*--from dev --tag abc1234"
    ):
        run_prod(
            run_program, **{SSM_GET_PARAMETER: parameters({"tag": "abc1234", "digest": "initial"})}
        )


@pytest.mark.parametrize("tag", [None, "initial"])
def test_a_digest_without_its_tag_is_refused(run_program: RunProgram, tag: str | None) -> None:
    values = {"digest": DIGEST, **({"tag": tag} if tag else {})}
    with pytest.raises(PromotionStateError, match="records the tag with the digest"):
        run_prod(run_program, **{SSM_GET_PARAMETER: parameters(values)})


def test_a_malformed_digest_is_refused(run_program: RunProgram) -> None:
    with pytest.raises(InvalidDigestError, match="/container-delivery/prod/images/lambda/digest"):
        run_prod(
            run_program, **{SSM_GET_PARAMETER: parameters({"tag": "abc1234", "digest": "latest"})}
        )


def test_a_digest_the_build_stage_does_not_hold_is_refused(run_program: RunProgram) -> None:
    values = {SSM_GET_PARAMETER: parameters({"tag": "abc1234", "digest": DIGEST})}
    with pytest.raises(PromotionStateError, match=r"is not in stack dev's repository"):
        run_prod(run_program, **values, **{ECR_GET_IMAGE: image_not_found})


def test_a_digest_of_another_tag_is_refused(run_program: RunProgram) -> None:
    values = {SSM_GET_PARAMETER: parameters({"tag": "abc1234", "digest": DIGEST})}
    with pytest.raises(PromotionStateError, match=r"carries \['def5678'\], not 'abc1234'"):
        run_prod(run_program, **values, **{ECR_GET_IMAGE: image_tags("def5678")})


def test_the_digest_is_checked_in_the_build_stages_registry(run_program: RunProgram) -> None:
    values = {SSM_GET_PARAMETER: parameters({"tag": "abc1234", "digest": DIGEST})}
    plan = run_prod(run_program, **values, **{ECR_GET_IMAGE: image_tags("abc1234")})
    reads = [args for token, args in plan.invokes if token == ECR_GET_IMAGE]
    assert {(a["registryId"], a["repositoryName"], a["imageDigest"]) for a in reads} == {
        ("111122223333", "container-delivery-dev-lambda", DIGEST),
        ("111122223333", "container-delivery-dev-web", DIGEST),
    }


@pytest.mark.parametrize(
    ("tags", "stops"),
    [
        (("abc1234", "promoted-prod-abc1234"), True),
        (("promoted-prod-abc1234",), True),  # its commit tag was removed: still a release
        ((), True),  # untagged there: still what the target runs
        (None, True),  # expired there: the target still runs it
        (("initial",), False),  # the build stage's placeholder: not a release
    ],
    ids=["released", "promotion-tag-only", "untagged", "gone", "placeholder"],
)
def test_the_guard_counts_a_build_stage_digest_as_a_release(
    run_program: RunProgram, tags: tuple[str, ...] | None, stops: bool
) -> None:
    """Parameters back at the placeholder while the functions run a promoted digest."""
    invokes = {
        SSM_GET_PARAMETER: parameters({"tag": "initial", "digest": "initial"}),
        LAMBDA_GET_FUNCTION: function_image(f"{SOURCE}-lambda@{DIGEST}"),
        **ecs_service_running(f"{OWN}-web@sha256:" + "a" * 64),
        ECR_GET_IMAGE: image_not_found if tags is None else image_tags(*tags),
    }
    if stops:
        with pytest.raises(RegressionError, match=rf"runs {SOURCE}-lambda@{DIGEST}"):
            run_prod(run_program, **invokes)
    else:
        run_prod(run_program, **invokes)


# --- What it publishes ------------------------------------------------------------------------


def test_the_manifest_is_schema_4_naming_the_build_stage(prod_plan: Plan) -> None:
    manifest = json.loads(prod_plan.named("deploy-manifest-parameter").inputs["insecureValue"])
    assert manifest["schema"] == 4
    # The lock table is this stage's own: its releases lock here, not in the build stage.
    assert manifest["lockTable"] == "container-delivery-prod-release-locks"
    assert manifest["stage"] == {
        "kind": "promoted",
        "from": {
            "stack": "dev",
            "account": "111122223333",
            "region": "ap-northeast-1",
            "manifestParameter": "/container-delivery/dev/deploy-manifest",
            "readerRoleArn": READER,
        },
    }
    for image in ("lambda", "web"):
        entry = manifest["images"][image]
        assert entry["repositoryName"] == f"container-delivery-dev-{image}"
        assert entry["repositoryUrl"] == f"{SOURCE}-{image}"
        assert entry["placeholderRepositoryUrl"] == f"{OWN}-{image}"
        assert entry["digestParameter"] == f"/container-delivery/prod/images/{image}/digest"
        # Schema 2's fields stay.
        assert entry["tagParameter"] == f"/container-delivery/prod/images/{image}/tag"
        assert entry["lockParameter"] == f"/container-delivery/prod/images/{image}/release-lock"
        assert entry["placeholderTag"] == "initial"


def test_a_build_stage_publishes_schema_4_without_a_stage(build_stage_plan: Plan) -> None:
    manifest = json.loads(
        build_stage_plan.named("deploy-manifest-parameter").inputs["insecureValue"]
    )
    assert manifest["schema"] == 4
    assert manifest["lockTable"] == "container-delivery-dev-release-locks"
    assert "stage" not in manifest
    assert "digestParameter" not in manifest["images"]["lambda"]


# --- How it promotes --------------------------------------------------------------------------


def promote_pipeline(plan: Plan) -> dict[str, Any]:
    (found,) = [
        p.inputs
        for p in plan.of_type("aws:codepipeline/pipeline:Pipeline")
        if p.inputs["name"] == "container-delivery-prod-promote"
    ]
    return found


def test_the_promote_pipeline_plans_approves_promotes_and_deploys(prod_plan: Plan) -> None:
    pipeline = promote_pipeline(prod_plan)
    assert [(s["name"], [a["name"] for a in s["actions"]]) for s in pipeline["stages"]] == [
        ("Source", ["Source"]),
        ("PlanPromotion", ["Plan"]),
        ("Approve", ["Approve"]),
        ("Promote", ["Promote"]),
        ("Deploy", ["DeployWeb"]),
    ]
    assert pipeline["triggers"] == []  # a person starts a promotion
    stages = {s["name"]: s["actions"][0] for s in pipeline["stages"]}
    assert stages["Source"]["configuration"]["FullRepositoryId"] == "my-org/container-delivery-app"
    assert stages["PlanPromotion"]["namespace"] == "Plan"
    plan_env = json.loads(stages["PlanPromotion"]["configuration"]["EnvironmentVariables"])
    assert {v["name"]: v["value"] for v in plan_env}["PROMOTE_STEP"] == "plan"
    approval = stages["Approve"]["configuration"]["CustomData"]
    for variable in ("PROMOTE_TAG", "PROMOTE_FROM", "PROMOTE_LAMBDA_DIGEST", "PROMOTE_WEB_DIGEST"):
        assert f"#{{Plan.{variable}}}" in approval
    # Variables in an action's configuration count against its 1000 characters
    # (CodePipeline User Guide, "Variables reference", limits).
    assert len(approval) <= 1000
    promote_env = {
        v["name"]: v["value"]
        for v in json.loads(stages["Promote"]["configuration"]["EnvironmentVariables"])
    }
    assert promote_env == {
        "COMMIT_ID": "#{SourceVariables.CommitId}",
        "PROMOTE_STEP": "promote",
        "PROMOTE_TAG": "#{Plan.PROMOTE_TAG}",
        "PROMOTE_LAMBDA_DIGEST": "#{Plan.PROMOTE_LAMBDA_DIGEST}",
        "PROMOTE_WEB_DIGEST": "#{Plan.PROMOTE_WEB_DIGEST}",
    }
    assert stages["Promote"]["outputArtifacts"] == ["promoted"]
    deploy = stages["Deploy"]
    assert (deploy["provider"], deploy["inputArtifacts"]) == ("ECS", ["promoted"])
    assert deploy["configuration"]["FileName"] == "imagedefinitions.json"


def test_the_promote_build_gets_its_names_and_builds_nothing(prod_plan: Plan) -> None:
    (project,) = [
        p
        for p in prod_plan.of_type("aws:codebuild/project:Project")
        if p.inputs["name"].endswith("-promote")
    ]
    env = {v["name"]: v["value"] for v in project.inputs["environment"]["environmentVariables"]}
    assert env == {
        "DEPLOY_MANIFEST_PARAMETER": "/container-delivery/prod/deploy-manifest",
        "PROMOTE_FROM": "dev",
        "WEB_REPOSITORY_URL": f"{SOURCE}-web",
    }
    assert project.inputs["environment"]["privilegedMode"] is False


def test_the_promote_role_names_exact_arns(prod_plan: Plan) -> None:
    (document,) = [
        policy(p)
        for p in prod_plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.parent.endswith("BuildProject::promote")
    ]
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["AssumeTheBuildStagesReader"]["Resource"] == READER
    assert by_sid["RunPromotedImages"]["Resource"] == [
        "arn:aws:ecr:ap-northeast-1:111122223333:repository/container-delivery-dev-lambda",
        "arn:aws:ecr:ap-northeast-1:111122223333:repository/container-delivery-dev-web",
    ]
    own = "arn:aws:ecr:ap-northeast-1:123456789012:repository/container-delivery-prod"
    assert by_sid["CheckOwnRepositories"]["Resource"] == [f"{own}-lambda", f"{own}-web"]
    ssm = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/container-delivery/prod/images"
    assert by_sid["RecordPromotedDigests"]["Resource"] == [
        f"{ssm}/lambda/digest",
        f"{ssm}/web/digest",
    ]
    assert by_sid["RecordReleasedTags"]["Resource"] == [f"{ssm}/lambda/tag", f"{ssm}/web/tag"]
    writes = {
        a
        for s in document["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not {
        a
        for a in writes
        if a.startswith("ecr:")
        and a
        not in {
            "ecr:BatchGetImage",
            "ecr:DescribeImages",
            "ecr:DescribeRepositories",
            "ecr:GetDownloadUrlForLayer",
        }
    }, "no ECR write in this stage: the promotion tag is added through the reader role"
    stars = sorted(s["Sid"] for s in document["Statement"] if s["Resource"] == "*")
    assert stars == ["ReadTaskDefinitions", "StopOwnDeployments"]


def test_the_web_tasks_may_pull_from_the_build_stage(prod_plan: Plan) -> None:
    document = policy(prod_plan.named("web-execution-policy"))
    (pull,) = [s for s in document["Statement"] if s["Sid"] == "PullWebImageOnly"]
    assert pull["Resource"] == [
        "arn:aws:ecr:ap-northeast-1:123456789012:repository/container-delivery-prod-web",
        "arn:aws:ecr:ap-northeast-1:111122223333:repository/container-delivery-dev-web",
    ]


def test_released_answers_keep_a_build_stage_on_its_tag(build_stage_plan: Plan) -> None:
    """The same answers plan dev as released by tag: it reads no digest parameter."""
    assert build_stage_plan.resolved_tags["lambda"] == {"tag": "abc1234", "source": "parameter"}
    assert not [
        a
        for t, a in build_stage_plan.invokes
        if t == SSM_GET_PARAMETER and a["name"].endswith("/digest")
    ]
