"""Who may hold a release lock in the lock table, and who may manage the table.

The lock contract: every role granted the SSM lock parameters is also granted
``dynamodb:PutItem``, ``GetItem`` and ``DeleteItem`` on the table's exact ARN, for the
items keyed by exactly the lock parameter names it may lock (``dynamodb:LeadingKeys``,
``ForAllValues:StringEquals``), except the infra deploy role, whose PowerUserAccess allows
every item action anyway and whose policy has no room to spare; the SSM grants stay.
``pulumi up`` (the infra deploy role) creates, changes and deletes the table. Expected
values are written out from the contract.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_pulumi.plan import Plan
from tests.aws_managed_policies import MANAGED
from tests.iam_policy import Principal
from tests.infra.roles import principals

REGION_ACCOUNT = "ap-northeast-1:123456789012"
SSM = f"arn:aws:ssm:{REGION_ACCOUNT}:parameter/container-delivery"
TABLES = f"arn:aws:dynamodb:{REGION_ACCOUNT}:table"


def lock_item_statement(stack: str, *, keyed: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": "HoldReleaseLockItems",
        "Effect": "Allow",
        "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": f"{TABLES}/container-delivery-{stack}-release-locks",
    }
    if keyed:
        statement["Condition"] = {
            "ForAllValues:StringEquals": {
                "dynamodb:LeadingKeys": [
                    f"/container-delivery/{stack}/images/lambda/release-lock",
                    f"/container-delivery/{stack}/images/web/release-lock",
                ]
            }
        }
    return statement


def statements_of(plan: Plan, project: str) -> dict[str, dict[str, Any]]:
    """The inline statements of one build project's role, by Sid."""
    (policy,) = [
        p
        for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.parent.endswith(f"BuildProject::{project}")
    ]
    return {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}


@pytest.mark.parametrize(
    ("plan_name", "project"),
    [
        ("prod_build_stage_plan", "app-build"),
        ("prod_build_stage_plan", "infra-deploy"),
        ("prod_plan", "promote"),
        ("prod_plan", "infra-deploy"),
    ],
)
def test_each_lock_holder_may_hold_both_images_items_and_keeps_the_ssm_locks(
    plan_name: str, project: str, request: pytest.FixtureRequest
) -> None:
    by_sid = statements_of(request.getfixturevalue(plan_name), project)
    keyed = project != "infra-deploy"
    assert by_sid["HoldReleaseLockItems"] == lock_item_statement("prod", keyed=keyed)
    assert by_sid["HoldReleaseLocks"]["Resource"] == [
        f"{SSM}/prod/images/lambda/release-lock",
        f"{SSM}/prod/images/web/release-lock",
    ]


def test_no_other_role_is_granted_the_lock_items(prod_plan: Plan, build_stage_plan: Plan) -> None:
    """Only the lock holders' own policies name DynamoDB (AWS's managed policies aside)."""
    for plan, stack in ((prod_plan, "prod"), (build_stage_plan, "dev")):
        holders = {
            f"container-delivery-{stack}-infra-deploy-build",
            f"container-delivery-{stack}-{'promote' if stack == 'prod' else 'app-build'}-build",
        }
        for name, role in principals(plan).items():
            own = [p for p in role.policies if p not in MANAGED.values()]
            named = [
                s
                for p in own
                for s in p["Statement"]
                if any(str(a).startswith("dynamodb:") for a in _as_list(s.get("Action")))
            ]
            if name in holders:
                assert [s["Sid"] for s in named] == ["HoldReleaseLockItems"], name
            else:
                assert named == [], name


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_boundary_lets_the_holders_use_the_table_and_the_deploy_role_manage_it(
    prod_plan: Plan,
) -> None:
    """IAM's answer for each role (its policies within the stack's boundary): the holders
    may take, read and release the images' items; `pulumi up` may create, read, change,
    tag and delete the table, the calls terraform-provider-aws makes for it
    (internal/service/dynamodb: table.go, and find.go's DescribeTable,
    DescribeContinuousBackups and DescribeTimeToLive)."""
    roles = principals(prod_plan)
    table = f"{TABLES}/container-delivery-prod-release-locks"
    keys = [f"/container-delivery/prod/images/{i}/release-lock" for i in ("lambda", "web")]
    for name in (
        "container-delivery-prod-promote-build",
        "container-delivery-prod-infra-deploy-build",
    ):
        role: Principal = roles[name]
        for action in ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"):
            for key in keys:
                decision = role.decide(action, table, {"dynamodb:LeadingKeys": [key]})
                assert decision.allowed, (name, action, key, decision.reason)
    deploy = roles["container-delivery-prod-infra-deploy-build"]
    for action in (
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:ListTagsOfResource",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
        "dynamodb:UpdateTable",
        "dynamodb:DeleteTable",
    ):
        decision = deploy.decide(action, table)
        assert decision.allowed, (action, decision.reason)
    # The promote build may not: it only locks.
    promote = roles["container-delivery-prod-promote-build"]
    assert not promote.allows("dynamodb:DeleteTable", table)
    assert not promote.allows("dynamodb:PutItem", table, {"dynamodb:LeadingKeys": ["/x"]})
