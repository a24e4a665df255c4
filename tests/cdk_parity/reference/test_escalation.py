"""No role the CDK reference synthesizes can escalate: every primitive of tests/escalation.py
is refused, or allowed only under the stack's permissions boundary.

The twin of tests/infra/test_escalation.py, on the CloudFormation templates: the roles
are read as CloudFormation would create them (``cfn_roles``), CDK's own helper roles
(custom-resource handlers, pipeline action roles) included.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.cdk_parity.reference.cfn_roles import Resolver, principals
from tests.escalation import Target, escalations
from tests.iam_policy import Principal

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"


def _target(stack: str) -> Target:
    prefix = f"container-delivery-{stack}"
    return Target(ACCOUNT, REGION, prefix, f"arn:aws:iam::{ACCOUNT}:policy/{prefix}-boundary")


def _resolver(template: Template, stack: str) -> Resolver:
    return Resolver(template.to_json(), f"container-delivery-{stack}", ACCOUNT, REGION)


@pytest.fixture(scope="module")
def roles(
    dev_template: Template, prod_template: Template, dev_full_template: Template
) -> dict[str, tuple[str, dict[str, Principal]]]:
    """Per template: its stack, and its roles. ``dev-full`` is dev (nothing protected)
    with pipelines, the GitHub role and every access log: every kind of role there is."""
    return {
        "dev": ("dev", principals(_resolver(dev_template, "dev"))),
        "prod": ("prod", principals(_resolver(prod_template, "prod"))),
        "dev-full": ("dev", principals(_resolver(dev_full_template, "dev"))),
    }


def every_escalation(stack: str, found: dict[str, Principal]) -> list[str]:
    where = _target(stack)
    return [
        hit
        for name, principal in found.items()
        for hit in escalations(principal, f"{where.iam}:role/{name}", where)
    ]


@pytest.mark.parametrize("template", ["dev", "prod", "dev-full"])
def test_no_role_can_escalate(
    roles: dict[str, tuple[str, dict[str, Principal]]], template: str
) -> None:
    stack, found = roles[template]
    assert len(found) >= (8 if template == "dev" else 20), sorted(found)
    assert all(p.boundary is not None for p in found.values())
    assert every_escalation(stack, found) == []


def _deploy(roles: dict[str, tuple[str, dict[str, Principal]]]) -> Principal:
    return roles["prod"][1]["container-delivery-prod-infra-deploy-build"]


def test_the_deploy_role_can_still_do_its_job_under_the_boundary(
    roles: dict[str, tuple[str, dict[str, Principal]]],
) -> None:
    """A deploy creates, changes and passes the stack's roles, each under the boundary,
    CloudFormation-named ones included."""
    where = _target("prod")
    deploy = _deploy(roles)
    under = {"iam:PermissionsBoundary": where.boundary_arn}
    for role in ("container-delivery-prod-api-exec", "container-delivery-prod-AppPipelineRole"):
        arn = f"{where.iam}:role/{role}"
        for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"):
            assert deploy.allows(action, arn, under), (action, role)
            assert not deploy.allows(action, arn), (action, role)
    api = f"{where.iam}:role/container-delivery-prod-api-exec"
    assert deploy.allows("iam:PassRole", api, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert deploy.allows(
        "lambda:UpdateFunctionCode",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:container-delivery-prod-api",
    )


def _without(document: Any, sid: str, *, condition_only: bool) -> dict[str, Any]:
    mutated = copy.deepcopy(dict(document))
    kept = []
    for statement in mutated["Statement"]:
        if statement.get("Sid") == sid:
            if not condition_only:
                continue
            statement.pop("Condition")
        kept.append(statement)
    mutated["Statement"] = kept
    return mutated


def test_dropping_the_boundary_condition_is_seen(
    roles: dict[str, tuple[str, dict[str, Principal]]],
) -> None:
    """The planted mutation: the role writes without their condition, in the deploy role's
    policy and in the boundary alike, let the deploy role escalate."""
    deploy = copy.deepcopy(_deploy(roles))
    sid = "StackRolesOnlyUnderTheBoundary"
    deploy.policies = [_without(d, sid, condition_only=True) for d in deploy.policies]
    assert deploy.boundary is not None
    deploy.boundary = _without(deploy.boundary, sid, condition_only=True)
    found = every_escalation("prod", {deploy.name: deploy})
    assert any("stack role without the boundary" in f for f in found), found


def test_dropping_the_self_protection_is_seen(
    roles: dict[str, tuple[str, dict[str, Principal]]],
) -> None:
    deploy = copy.deepcopy(_deploy(roles))
    sid = "TheDeployRoleIsFixed"
    deploy.policies = [_without(d, sid, condition_only=False) for d in deploy.policies]
    assert deploy.boundary is not None
    deploy.boundary = _without(deploy.boundary, sid, condition_only=False)
    found = every_escalation("prod", {deploy.name: deploy})
    assert any("inline policy on itself, under the boundary" in f for f in found), found


def test_without_the_boundary_the_deploy_role_escalates(
    roles: dict[str, tuple[str, dict[str, Principal]]],
) -> None:
    """The boundary carries the denies on outside compute: without it, they are open."""
    deploy = copy.deepcopy(_deploy(roles))
    deploy.boundary = None
    found = every_escalation("prod", {deploy.name: deploy})
    assert any("RSL-17" in f for f in found), found


def test_generated_role_names_keep_the_stack_prefix(
    roles: dict[str, tuple[str, dict[str, Principal]]],
) -> None:
    """CloudFormation names a role it names itself ``<stack name>-<logical id>-<suffix>``:
    the boundary's ``role/<project>-<stack>-*`` statements match CDK's helper roles too."""
    for stack, found in roles.values():
        assert all(name.startswith(f"container-delivery-{stack}-") for name in found)
