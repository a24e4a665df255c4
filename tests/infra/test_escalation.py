"""No role the Pulumi program emits can escalate: every primitive of tests/escalation.py is
refused, or allowed only under the stack's permissions boundary."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest

from infra_pulumi.plan import Plan, evaluate
from tests.escalation import PRIMITIVES, Target, escalations
from tests.iam_policy import Principal
from tests.infra.roles import principals

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"


def target(stack: str) -> Target:
    prefix = f"container-delivery-{stack}"
    return Target(ACCOUNT, REGION, prefix, f"arn:aws:iam::{ACCOUNT}:policy/{prefix}-boundary")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    # dev with prod's pipelines and GitHub role, so both stacks emit every kind of role.
    from tests.infra.test_invoke_permissions import with_roles

    # Every audit log on in dev too: the VPC flow log brings its own role.
    audit_logs = {"loadBalancer": True, "vpcFlowLogs": True, "artifactBucket": True}
    return {
        "dev": evaluate("dev", config={**with_roles("dev"), "accessLogs": audit_logs}),
        "prod": evaluate("prod", config={"requireRelease": "false"}),
    }


def test_the_plans_emit_every_kind_of_role(plans: dict[str, Plan]) -> None:
    """The roles checked below include each kind the program can create."""
    dev = set(principals(plans["dev"]))
    for suffix in ("-exec", "-web-task", "-schedule", "-infra-deploy-build",
                   "-infra-preview-build", "-app-build-build", "-app", "-infra", "-vpc-flow-logs",
                   "-promotion-reader", "-github-preview", "-codedeploy"):  # fmt: skip
        assert any(name.endswith(suffix) for name in dev), (suffix, sorted(dev))


def every_escalation(plan: Plan, roles: dict[str, Principal]) -> list[str]:
    where = target(plan.stack)
    return [
        found
        for name, principal in roles.items()
        for found in escalations(principal, f"{where.iam}:role/{name}", where)
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_role_can_escalate(plans: dict[str, Plan], stack: str) -> None:
    roles = principals(plans[stack])
    assert len(roles) >= 12, sorted(roles)
    assert every_escalation(plans[stack], roles) == []


def test_the_deploy_role_can_still_do_its_job_under_the_boundary(plans: dict[str, Plan]) -> None:
    """pulumi up creates, changes and passes the stack's roles, each under the boundary."""
    where = target("prod")
    deploy = principals(plans["prod"])["container-delivery-prod-infra-deploy-build"]
    role = f"{where.iam}:role/container-delivery-prod-api-exec"
    under = {"iam:PermissionsBoundary": where.boundary_arn}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"):
        assert deploy.allows(action, role, under), action
    assert deploy.allows("iam:UpdateAssumeRolePolicy", role)
    assert deploy.allows("iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert deploy.allows(
        "lambda:UpdateFunctionCode",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:container-delivery-prod-api",
    )
    assert deploy.allows(
        "codebuild:StartBuild",
        f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/container-delivery-prod-app-build",
    )


def _drop_boundary_condition(document: Mapping[str, Any]) -> dict[str, Any]:
    mutated = copy.deepcopy(dict(document))
    for statement in mutated["Statement"]:
        if statement.get("Sid") == "StackRolesOnlyUnderTheBoundary":
            statement.pop("Condition")
    return mutated


def test_dropping_the_boundary_condition_is_seen(plans: dict[str, Plan]) -> None:
    """The planted mutation: the role writes without their condition, in the deploy role's
    policy and in the boundary alike, let the deploy role escalate."""
    plan = plans["prod"]
    roles = principals(plan)
    deploy = roles["container-delivery-prod-infra-deploy-build"]
    deploy.policies = [_drop_boundary_condition(d) for d in deploy.policies]
    assert deploy.boundary is not None
    deploy.boundary = _drop_boundary_condition(dict(deploy.boundary))
    found = every_escalation(plan, {"container-delivery-prod-infra-deploy-build": deploy})
    assert any("stack role without the boundary" in f for f in found), found


def test_dropping_the_self_protection_is_seen(plans: dict[str, Plan]) -> None:
    plan = plans["prod"]
    deploy = principals(plan)["container-delivery-prod-infra-deploy-build"]

    def keep(document: Mapping[str, Any]) -> dict[str, Any]:
        kept = [s for s in document["Statement"] if s.get("Sid") != "TheDeployRoleIsFixed"]
        return {**document, "Statement": kept}

    deploy.policies = [keep(d) for d in deploy.policies]
    assert deploy.boundary is not None
    deploy.boundary = keep(dict(deploy.boundary))
    found = every_escalation(plan, {"container-delivery-prod-infra-deploy-build": deploy})
    assert any("inline policy on itself, under the boundary" in f for f in found), found


def test_the_boundary_fits_in_a_managed_policy(plans: dict[str, Plan]) -> None:
    """IAM quota: a managed policy's document is at most 6,144 characters, whitespace not
    counted (IAM User Guide, "IAM and AWS STS quotas")."""
    for plan in plans.values():
        (boundary,) = plan.of_type("aws:iam/policy:Policy")
        text = json.dumps(json.loads(boundary.inputs["policy"]), separators=(",", ":"))
        assert len(text) <= 6144, len(text)


def test_every_primitive_names_its_source() -> None:
    assert len(PRIMITIVES) >= 30
    assert {p.source for p in PRIMITIVES} >= {f"RSL-{n}" for n in range(1, 22)}


def test_without_the_boundary_the_deploy_role_escalates(plans: dict[str, Plan]) -> None:
    """The boundary carries the denies on outside compute: without it, they are open."""
    plan = plans["prod"]
    deploy = principals(plan)["container-delivery-prod-infra-deploy-build"]
    deploy.boundary = None
    found = every_escalation(plan, {"container-delivery-prod-infra-deploy-build": deploy})
    assert any("RSL-17" in f for f in found), found
