"""Every role that runs the program may make every AWS call the program's invokes make.

For each stack and each tag state (first deploy; after the first ``pulumi up`` with the
placeholder pinned by digest; released), the program runs offline, the truth table
(``infra_pulumi/plan/provider_facts.py``) turns each invoke and its answer into the AWS
calls the real data source makes, and each role that runs ``pulumi preview`` (the infra
pipeline's Preview project, the GitHub pull-request role) or ``pulumi up`` (the infra
Deploy project) must be allowed every one of them on the ARN the table gives.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    LAMBDA_GET_FUNCTION,
    SSM_GET_PARAMETER,
    InvokeHandler,
    ecs_service_running,
    function_image,
    image_tags,
    parameter_value,
)
from infra_pulumi.plan.provider_facts import Where, facts_for
from infra_pulumi.plan.runner import PROJECT_ROOT
from tests.infra.roles import principals

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
PLACEHOLDER_DIGEST = "sha256:" + "a" * 64


def registry(stack: str, image: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-{stack}-{image}"


def tag_state(stack: str, state: str) -> dict[str, InvokeHandler]:
    """The invoke answers of one moment in a stack's life."""
    if state == "first deploy":
        return {}  # nothing exists: the default answers are the provider's not-found texts
    if state == "released":
        return {SSM_GET_PARAMETER: parameter_value("abc1234")}
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


STATES = ["first deploy", "placeholder pinned by digest", "released"]
STACKS = ["dev", "prod"]


def plan_for(stack: str, state: str) -> Plan:
    config = with_roles(stack)
    if stack == "prod" and state == "first deploy":
        config["requireRelease"] = "false"
    return evaluate(stack, config=config, invokes=tag_state(stack, state))


def calls_made(plan: Plan) -> list[tuple[str, str, str]]:
    """(invoke, IAM action, resource ARN) for every AWS call behind the plan's invokes."""
    where = Where(region=REGION, account=ACCOUNT)
    made = []
    for answer in plan.answers:
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


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("stack", STACKS)
def test_every_role_that_runs_the_program_may_make_its_calls(stack: str, state: str) -> None:
    plan = plan_for(stack, state)
    roles = principals(plan, role_names(stack).values())
    made = calls_made(plan)
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
        for t, a, _ in calls_made(plan_for(stack, state))
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


def test_a_missing_grant_is_seen() -> None:
    """The check can fail: without DescribeRepositories the placeholder state is refused."""
    plan = plan_for("prod", "placeholder pinned by digest")
    roles = principals(plan, role_names("prod").values())
    github = roles["container-delivery-prod-github-preview"]
    for document in github.policies:
        for statement in document["Statement"]:
            actions = statement["Action"]
            if isinstance(actions, list) and "ecr:DescribeRepositories" in actions:
                actions.remove("ecr:DescribeRepositories")
    refused = [
        (action, resource)
        for _token, action, resource in calls_made(plan)
        if not github.allows(action, resource)
    ]
    assert (
        "ecr:DescribeRepositories",
        f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/container-delivery-prod-lambda",
    ) in refused
