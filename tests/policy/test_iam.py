"""The IAM rules: Action "*", writes on "*" outside the allow-list, the permissions boundary."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.policy.conftest import ACCOUNT, Check, document, of, resource

BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/shop-test-boundary"


def role_policy(*statements: Mapping[str, object]) -> object:
    return resource(
        "aws:iam/rolePolicy:RolePolicy",
        "policy",
        {"role": "shop-test-deploy", "policy": document(*statements)},
    )


def allow(action: object, resource_: object = "*", **extra: object) -> dict[str, object]:
    return {"Sid": "Planted", "Effect": "Allow", "Action": action, "Resource": resource_, **extra}


@pytest.mark.parametrize(
    "statement",
    [
        allow("*", "arn:aws:s3:::b"),
        allow(["s3:GetObject", "*"]),
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    ],
)
def test_allowing_every_action_is_reported(check: Check, statement: dict[str, object]) -> None:
    found = of(check(role_policy(statement)), "iam-no-action-star")
    assert len(found) == 1
    assert found[0].enforcement == "mandatory"


def test_action_star_in_a_role_inline_policy_or_a_resource_policy_is_reported(check: Check) -> None:
    inline = resource(
        "aws:iam/role:Role",
        "role",
        {
            "name": "shop-test-r",
            "assumeRolePolicy": document(),
            "inlinePolicies": [{"name": "x", "policy": document(allow("*"))}],
        },
    )
    repository_policy = resource(
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "pull",
        {"repository": "shop-test", "policy": document(allow("*", Principal={"AWS": "*"}))},
    )
    assert of(check(inline), "iam-no-action-star")
    assert of(check(repository_policy), "iam-no-action-star")


def test_administrator_access_is_reported_and_a_deny_star_is_not(check: Check) -> None:
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "admin",
        {"role": "shop-test-r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )
    assert of(check(attachment), "iam-no-action-star")
    deny = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert not of(
        check(role_policy(deny, allow("s3:GetObject", "arn:aws:s3:::b/*"))), "iam-no-action-star"
    )


@pytest.mark.parametrize(
    "action", ["s3:PutObject", "s3:Put*", ["ssm:GetParameter", "ssm:PutParameter"], "iam:TagRole"]
)
def test_a_write_on_any_resource_is_reported(check: Check, action: object) -> None:
    found = of(check(role_policy(allow(action))), "iam-no-write-on-any-resource")
    assert len(found) == 1
    assert "statement 'Planted'" in found[0].message


def test_reads_named_writes_and_the_documented_exceptions_pass(check: Check) -> None:
    passing = role_policy(
        allow(["ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition"]),
        allow("s3:PutObject", "arn:aws:s3:::shop-test-b/*"),
        allow("codedeploy:StopDeployment"),
    )
    assert not of(check(passing), "iam-no-write-on-any-resource")


def test_the_allow_lists_are_config(check: Check) -> None:
    planted = role_policy(allow("xray:PutTraceSegments"))
    assert of(check(planted), "iam-no-write-on-any-resource")
    config = {
        "iam-no-write-on-any-resource": {
            "allowedActions": {"xray:PutTraceSegments": "X-Ray takes no resource"}
        }
    }
    assert not of(check(planted, policy_config=config), "iam-no-write-on-any-resource")
    # Replacing the list drops the default exception too.
    assert of(
        check(role_policy(allow("codedeploy:StopDeployment")), policy_config=config),
        "iam-no-write-on-any-resource",
    )


def test_aws_managed_policies_must_be_listed(check: Check) -> None:
    def attach(name: str) -> object:
        arn = f"arn:aws:iam::aws:policy/{name}"
        return resource(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "attach",
            {"role": "shop-test-r", "policyArn": arn},
        )

    assert not of(check(attach("PowerUserAccess")), "iam-no-write-on-any-resource")
    assert of(check(attach("AmazonS3FullAccess")), "iam-no-write-on-any-resource")
    config = {
        "iam-no-write-on-any-resource": {"allowedManagedPolicies": {"AmazonS3FullAccess": "legacy"}}
    }
    assert not of(
        check(attach("AmazonS3FullAccess"), policy_config=config), "iam-no-write-on-any-resource"
    )
    assert of(
        check(attach("PowerUserAccess"), policy_config=config), "iam-no-write-on-any-resource"
    )


ROLE_WRITES = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
]
ROLES = f"arn:aws:iam::{ACCOUNT}:role/shop-test-*"


def bounded(value: object = BOUNDARY, operator: str = "StringEquals") -> dict[str, object]:
    return allow(ROLE_WRITES, ROLES, Condition={operator: {"iam:PermissionsBoundary": value}})


def test_role_writes_without_the_boundary_condition_are_reported(check: Check) -> None:
    found = of(check(role_policy(allow(ROLE_WRITES, ROLES))), "iam-permissions-boundary")
    assert len(found) == 1
    assert found[0].enforcement == "mandatory"
    for action in (
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
    ):
        assert action in found[0].message
    assert of(check(role_policy(allow("iam:*", ROLES))), "iam-permissions-boundary")
    assert of(check(role_policy(allow("*", "*"))), "iam-permissions-boundary")


def test_the_boundary_condition_clears_it(check: Check) -> None:
    assert not of(check(role_policy(bounded())), "iam-permissions-boundary")
    assert not of(check(role_policy(bounded(operator="ArnEquals"))), "iam-permissions-boundary")
    assert of(
        check(role_policy(bounded(value=f"arn:aws:iam::{ACCOUNT}:role/not-a-policy"))),
        "iam-permissions-boundary",
    )


def test_removing_a_boundary_is_never_allowed(check: Check) -> None:
    escape = bounded()
    escape["Action"] = [*ROLE_WRITES, "iam:DeleteRolePermissionsBoundary"]
    found = of(check(role_policy(escape)), "iam-permissions-boundary")
    assert len(found) == 1
    assert "iam:DeleteRolePermissionsBoundary" in found[0].message


def test_the_boundary_arns_are_config(check: Check) -> None:
    config = {
        "iam-permissions-boundary": {
            "boundaryPolicyArns": [f"arn:aws:iam::{ACCOUNT}:policy/shop-*-boundary"]
        }
    }
    assert not of(check(role_policy(bounded()), policy_config=config), "iam-permissions-boundary")
    other = bounded(value=f"arn:aws:iam::{ACCOUNT}:policy/anything-goes")
    assert not of(check(role_policy(other)), "iam-permissions-boundary")
    assert of(check(role_policy(other), policy_config=config), "iam-permissions-boundary")


def boundary_policy(tagged: bool = True) -> object:
    """A permissions boundary as the program makes one: a ceiling drawn with NotAction."""
    return resource(
        "aws:iam/policy:Policy",
        "boundary",
        {
            "name": "shop-test-boundary",
            "policy": document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            **({"tags": {"purpose": "permissions-boundary"}} if tagged else {}),
        },
    )


def role(name: str, boundary: str | None = BOUNDARY) -> object:
    return resource(
        "aws:iam/role:Role",
        name,
        {
            "name": name,
            "assumeRolePolicy": document(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ),
            **({"permissionsBoundary": boundary} if boundary else {}),
        },
    )


GRANT_RULES = ("iam-no-action-star", "iam-no-write-on-any-resource")


def test_a_boundary_is_a_ceiling_not_a_grant(check: Check) -> None:
    """Tagged as a boundary and carried by every role: the grant rules skip its NotAction."""
    found = check(boundary_policy(), role("shop-test-api"))
    assert not [v for v in found if v.policy in (*GRANT_RULES, "iam-boundary-only")], found
    # Untagged, the same document is a grant, and both grant rules see it.
    untagged = check(boundary_policy(tagged=False), role("shop-test-api"))
    for rule in GRANT_RULES:
        assert of(untagged, rule), rule


def test_a_boundary_attached_as_a_grant_is_reported(check: Check) -> None:
    attached = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "attach-boundary",
        {"role": "shop-test-api", "policyArn": BOUNDARY},
    )
    found = of(check(boundary_policy(), role("shop-test-api"), attached), "iam-boundary-only")
    assert len(found) == 1
    assert "attaches the permissions boundary shop-test-boundary" in found[0].message


def test_a_role_without_the_boundary_is_reported(check: Check) -> None:
    found = of(
        check(boundary_policy(), role("shop-test-api"), role("shop-test-web", None)),
        "iam-boundary-only",
    )
    assert len(found) == 1
    assert found[0].message.endswith(
        "role shop-test-web does not carry the stack's permissions boundary (shop-test-boundary)."
    )
    other = f"arn:aws:iam::{ACCOUNT}:policy/other"
    assert of(check(boundary_policy(), role("shop-test-web", other)), "iam-boundary-only")
