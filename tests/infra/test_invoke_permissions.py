"""Every role that runs the program may make every AWS call the program's invokes make.

For each stack and each tag state (first deploy; after the first ``pulumi up`` with the
placeholder pinned by digest; released; promoted, with the parameters since reset), the
program runs offline, the truth table
(``infra_pulumi/plan/provider_facts.py``) turns each invoke and its answer into the AWS
calls the real data source makes, and each role that runs ``pulumi preview`` (the infra
pipeline's Preview project, the GitHub pull-request role) or ``pulumi up`` (the infra
Deploy project) must be allowed every one of them on the ARN the table gives.

prod is a promoted stage of dev (in account 111122223333, Pulumi.prod.yaml): once released
it checks the promoted digest in dev's repository, and its regression guard reads a digest
there; both go across accounts (tests/infra/test_promotion.py checks dev's side).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from infra_pulumi.exceptions import RegressionError
from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    LAMBDA_GET_FUNCTION,
    SSM_GET_PARAMETER,
    InvokeAnswer,
    InvokeHandler,
    ecs_service_running,
    function_image,
    image_tags,
    parameter_value,
    released,
)
from infra_pulumi.plan.provider_facts import Where, facts_for
from infra_pulumi.plan.runner import PROJECT_ROOT
from tests.infra.roles import principals

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
PLACEHOLDER_DIGEST = "sha256:" + "a" * 64
PROMOTED_DIGEST = "sha256:" + "b" * 64
#: Where prod's images come from: dev, in the account Pulumi.prod.yaml names.
SOURCE_ACCOUNT = "111122223333"


def registry(stack: str, image: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-{stack}-{image}"


def built_in(stack: str, image: str) -> str:
    """The repository a stack's released targets run: its own, or for prod dev's."""
    if stack == "prod":
        return f"{SOURCE_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev-{image}"
    return registry(stack, image)


def tag_state(stack: str, state: str) -> dict[str, InvokeHandler]:
    """The invoke answers of one moment in a stack's life."""
    if state == "first deploy":
        return {}  # nothing exists: the default answers are the provider's not-found texts
    if state == "released":
        # A promoted stage's digest parameters hold the digest, which dev's repository
        # holds with the tag; a build stage reads no digest parameter.
        return released("abc1234", PROMOTED_DIGEST)
    if state == "promoted":
        # Targets run the released digest (prod: from dev's repository) while the
        # parameters hold the placeholder again: the guard reads the digest's tags, finds
        # a release, and stops the deploy.
        return {
            SSM_GET_PARAMETER: parameter_value("initial"),
            LAMBDA_GET_FUNCTION: function_image(f"{built_in(stack, 'lambda')}@{PROMOTED_DIGEST}"),
            **ecs_service_running(f"{built_in(stack, 'web')}@{PROMOTED_DIGEST}"),
            ECR_GET_IMAGE: image_tags("abc1234", "promoted-prod-abc1234"),
        }
    # After the first `pulumi up`, before the first release: the parameters hold the
    # placeholder tag and every target runs the placeholder, pinned by digest.
    return {
        SSM_GET_PARAMETER: parameter_value("initial"),
        LAMBDA_GET_FUNCTION: function_image(f"{registry(stack, 'lambda')}@{PLACEHOLDER_DIGEST}"),
        **ecs_service_running(f"{registry(stack, 'web')}@{PLACEHOLDER_DIGEST}"),
        ECR_GET_IMAGE: image_tags("initial"),
    }


def with_roles(stack: str) -> dict[str, Any]:
    """Config that gives ``stack`` both pipelines and the GitHub preview role, as prod has.

    prod's first deploy runs once with requireRelease off (the stack file says how).
    """
    prod = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())["config"]
    return {
        "pipelines": prod["container-delivery:pipelines"],
        "githubPreview": prod["container-delivery:githubPreview"],
    }


STATES = ["first deploy", "placeholder pinned by digest", "released", "promoted"]
STACKS = ["dev", "prod"]


def plan_for(stack: str, state: str) -> tuple[Plan | None, list[InvokeAnswer]]:
    """The plan (None where the program stops, as it must in the promoted state) and every
    invoke it made, with its answer."""
    config = with_roles(stack)
    if stack == "prod" and state == "first deploy":
        config["requireRelease"] = "false"
    answers: list[InvokeAnswer] = []
    try:
        plan = evaluate(stack, config=config, invokes=tag_state(stack, state), record=answers)
    except RegressionError:
        assert state == "promoted", f"{stack} stopped in state {state}"
        return None, answers
    assert state != "promoted", "a target running a released digest must stop the deploy"
    return plan, answers


def calls_made(answers: list[InvokeAnswer]) -> list[tuple[str, str, str]]:
    """(invoke, IAM action, resource ARN) for every AWS call behind the plan's invokes."""
    where = Where(region=REGION, account=ACCOUNT)
    made = []
    for answer in answers:
        entry = facts_for(answer.token)
        for call in entry.calls_for(answer.args):
            if not call.requires_permission:
                continue
            if call.when == "found" and answer.outcome != "found":
                continue
            made.append((answer.token, call.action, call.resource(answer.args, where)))
    return made


def role_names(stack: str) -> dict[str, str]:
    prefix = f"container-delivery-{stack}"
    return {
        "codebuild preview": f"{prefix}-infra-preview-build",
        "github preview": f"{prefix}-github-preview",
        "infra deploy": f"{prefix}-infra-deploy-build",
    }


@pytest.fixture(scope="module")
def role_plans() -> dict[str, Plan]:
    """Each stack's roles (the same in every state)."""
    return {
        stack: evaluate(stack, config={**with_roles(stack), "requireRelease": "false"})
        for stack in STACKS
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("stack", STACKS)
def test_every_role_that_runs_the_program_may_make_its_calls(
    role_plans: dict[str, Plan], stack: str, state: str
) -> None:
    _, answers = plan_for(stack, state)
    roles = principals(role_plans[stack], role_names(stack).values())
    made = calls_made(answers)
    assert made, "the program makes AWS calls in every state"
    problems = [
        f"{label} ({name}) may not {action} on {resource} (for {token}): {decision.reason}"
        for label, name in role_names(stack).items()
        for token, action, resource in made
        if not (decision := roles[name].decide(action, resource)).allowed
    ]
    assert problems == []


def test_the_states_reach_every_branch_the_program_uses() -> None:
    """Each of the table's calls behind the program's invokes is exercised at least once."""
    seen = {
        (t, a)
        for stack in STACKS
        for state in STATES
        for t, a, _ in calls_made(plan_for(stack, state)[1])
    }
    for token, action in [
        (LAMBDA_GET_FUNCTION, "lambda:GetFunction"),
        (LAMBDA_GET_FUNCTION, "lambda:GetFunctionConcurrency"),
        (LAMBDA_GET_FUNCTION, "lambda:ListVersionsByFunction"),
        (ECR_GET_IMAGE, "ecr:DescribeImages"),
        (ECR_GET_IMAGE, "ecr:DescribeRepositories"),
        ("aws:ecs/getService:getService", "ecs:DescribeServices"),
        ("aws:ecs/getTaskDefinition:getTaskDefinition", "ecs:DescribeTaskDefinition"),
        (SSM_GET_PARAMETER, "ssm:GetParameter"),
    ]:
        assert (token, action) in seen


def test_the_promoted_stage_reads_its_build_stages_repository_across_accounts() -> None:
    """Released, prod checks the promoted digest in dev's repository; promoted with its
    parameters reset, its guard reads it there: both on dev's repository ARN."""
    dev_lambda = f"arn:aws:ecr:{REGION}:{SOURCE_ACCOUNT}:repository/container-delivery-dev-lambda"
    for state in ("released", "promoted"):
        made = {
            (action, resource) for _, action, resource in calls_made(plan_for("prod", state)[1])
        }
        assert ("ecr:DescribeImages", dev_lambda) in made, state
        assert ("ecr:DescribeRepositories", dev_lambda) in made, state


def test_a_missing_grant_is_seen() -> None:
    """The check can fail: without DescribeRepositories the placeholder state is refused."""
    plan, answers = plan_for("prod", "placeholder pinned by digest")
    assert plan is not None
    roles = principals(plan, role_names("prod").values())
    github = roles["container-delivery-prod-github-preview"]
    for document in github.policies:
        for statement in document["Statement"]:
            actions = statement["Action"]
            if isinstance(actions, list) and "ecr:DescribeRepositories" in actions:
                actions.remove("ecr:DescribeRepositories")
    refused = [
        (action, resource)
        for _token, action, resource in calls_made(answers)
        if not github.allows(action, resource)
    ]
    assert (
        "ecr:DescribeRepositories",
        f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/container-delivery-prod-lambda",
    ) in refused
