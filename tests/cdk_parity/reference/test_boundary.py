"""The stack's permissions boundary in the synthesized templates: one managed policy, the
boundary of every role (CDK's own helper roles too), and the deploy role's IAM under it.

Expected values come from the IAM User Guide (permissions boundaries, the delegation
example; the 6,144-character managed-policy quota) and the stack config's names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

PREFIX = "container-delivery"


def _templates(request: pytest.FixtureRequest) -> dict[str, Template]:
    return {
        name: request.getfixturevalue(f"{name}_template") for name in ("dev", "prod", "dev_full")
    }


def _boundary(template: Template, stack: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"ManagedPolicyName": f"{PREFIX}-{stack}-boundary"}},
    )
    assert len(found) == 1, sorted(found)
    ((logical, resource),) = found.items()
    return logical, resource["Properties"]


def _list(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]


def _statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    (found,) = [s for s in document["Statement"] if s.get("Sid") == sid]
    return found


@pytest.mark.parametrize("name", ["dev", "prod", "dev_full"])
def test_every_role_carries_the_boundary(request: pytest.FixtureRequest, name: str) -> None:
    template = _templates(request)[name]
    logical, _ = _boundary(template, "prod" if name == "prod" else "dev")
    roles = template.find_resources("AWS::IAM::Role")
    assert len(roles) >= 8
    boundaries = {r: role["Properties"].get("PermissionsBoundary") for r, role in roles.items()}
    assert boundaries == {r: {"Ref": logical} for r in roles}


def test_helper_roles_of_cdk_constructs_carry_it_too(dev_full_template: Template) -> None:
    """Custom-resource handlers (auto-delete objects, default security group, the
    placeholder copy) and the pipelines' action roles are roles of the stack as well."""
    logical, _ = _boundary(dev_full_template, "dev")
    roles = dev_full_template.find_resources("AWS::IAM::Role")
    helpers = [r for r in roles if r.startswith(("CustomS3AutoDeleteObjects", "CustomVpc"))]
    assert len(helpers) == 2, sorted(roles)
    assert any("CodePipelineActionRole" in r for r in roles)
    for role in helpers:
        assert roles[role]["Properties"]["PermissionsBoundary"] == {"Ref": logical}


def test_the_boundary_fits_in_a_managed_policy(prod_template: Template) -> None:
    """IAM quota: a managed policy's document is at most 6,144 characters, whitespace not
    counted; CloudFormation's Fn::Join of the partition adds nothing once resolved."""
    _, props = _boundary(prod_template, "prod")
    text = json.dumps(props["PolicyDocument"], separators=(",", ":"))
    text = text.replace('{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},"', '"arn:aws')
    text = text.replace('"]]}', '"')
    assert len(text) <= 6144, len(text)


def test_role_writes_need_the_boundary_and_the_deploy_role_is_fixed(
    prod_template: Template,
) -> None:
    _, props = _boundary(prod_template, "prod")
    document = props["PolicyDocument"]
    bounded = _statement(document, "StackRolesOnlyUnderTheBoundary")
    assert sorted(bounded["Action"]) == [
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
    ]
    assert json.dumps(bounded["Condition"]["StringEquals"]["iam:PermissionsBoundary"]).endswith(
        ':iam::123456789012:policy/container-delivery-prod-boundary"]]}'
    )
    fixed = _statement(document, "TheDeployRoleIsFixed")
    assert fixed["Effect"] == "Deny"
    assert json.dumps(fixed["Resource"]).endswith(
        ':iam::123456789012:role/container-delivery-prod-infra-deploy-build"]]}'
    )
    assert _statement(document, "KeepEveryBoundary")["Effect"] == "Deny"
    passed = _statement(document, "PassStackRolesToTheirServices")
    services = passed["Condition"]["StringEquals"]["iam:PassedToService"]
    assert "vpc-flow-logs.amazonaws.com" in services


def test_the_deploy_role_is_named_and_writes_roles_only_under_the_boundary(
    prod_template: Template,
) -> None:
    roles = prod_template.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": f"{PREFIX}-prod-infra-deploy-build"}}
    )
    ((role, _),) = roles.items()
    policies = prod_template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role}]}}
    )
    ((_, policy),) = policies.items()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    writes = [s for s in statements if s.get("Effect") == "Allow" and "iam:CreateRole" in _list(s)]
    assert len(writes) == 1
    assert "iam:PermissionsBoundary" in writes[0]["Condition"]["StringEquals"]
    assert {s.get("Sid") for s in statements} >= {
        "ReadStackRoles",
        "ReadTheBoundary",
        "StackRoleChangesWithinTheBoundary",
        "GithubOidcProvider",
        "ServiceLinkedRolesForEcsAndElb",
        "KeepEveryBoundary",
        "TheBoundaryIsFixed",
        "TheDeployRoleIsFixed",
    }
    # No role write may remove a boundary.
    assert not any(
        "iam:DeleteRolePermissionsBoundary" in _list(s)
        for s in statements
        if s.get("Effect") == "Allow"
    )


def test_dev_without_pipelines_has_no_deploy_role_to_protect(dev_template: Template) -> None:
    _, props = _boundary(dev_template, "dev")
    sids = {s.get("Sid") for s in props["PolicyDocument"]["Statement"]}
    assert "TheDeployRoleIsFixed" not in sids
    assert "StackRolesOnlyUnderTheBoundary" in sids
    dev_template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Description": Match.string_like_regexp("Permissions boundary")},
    )
