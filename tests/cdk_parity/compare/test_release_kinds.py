"""The release kinds on hand-written inputs (``release_inputs``): both sides read alike,
and a planted difference shows."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any, cast

import pytest

from cdk_parity.compare.engine import Comparison, compare, load_expected
from cdk_parity.compare.kinds.common import function_and_qualifier
from cdk_parity.compare.model import Resource
from cdk_parity.compare.normalize import cdk_resources, pulumi_resources
from cdk_parity.compare.points import _release_point
from cdk_parity.compare.run import StackRun
from infra_pulumi.plan import Plan
from tests.cdk_parity.compare.release_inputs import (
    ACCOUNT,
    ADMIN,
    FUNCTION_ARN,
    GENERIC,
    LIMITED,
    REGION,
    TEMPLATE,
    P,
    planned,
    pulumi_plan,
)


def _compare(plan: Plan, template: dict[str, Any] = TEMPLATE) -> Comparison:
    cdk = cdk_resources(template, account=ACCOUNT, region=REGION)
    return compare(pulumi_resources(plan), cdk, load_expected(), mode="synth-time", stack="dev")


def _verdicts(comparison: Comparison) -> dict[tuple[str, str], str]:
    return {(p.kind, p.key): p.verdict for p in comparison.pairs}


def test_both_sides_read_alike_except_the_reviewed_differences() -> None:
    comparison = _compare(pulumi_plan())
    assert _verdicts(comparison) == {
        ("codedeploy-application", f"{P}-lambda"): "same",
        ("codedeploy-deployment-group", f"{P}-nightly-report"): "same",
        ("function-url", f"{P}-nightly-report:live"): "same",
        ("iam-role", f"codedeploy-deployment-group:{P}-nightly-report"): "same",
        ("iam-role", f"scheduler-schedule:{P}-nightly-report"): "same",
        ("lambda-alias", f"{P}-nightly-report:live"): "intentional",
        ("lambda-function", f"{P}-nightly-report"): "same",
        ("metric-alarm", f"{P}-nightly-report-live-errors"): "same",
        ("metric-alarm", f"{P}-nightly-report-live-throttles"): "same",
        ("scheduler-schedule", f"{P}-nightly-report"): "same",
    }
    reviewed = {
        (p.kind, d.name): [e.id for e in d.expected]
        for p in comparison.pairs
        for d in p.differences
    }
    assert reviewed == {
        ("lambda-alias", "trafficShiftedBy"): ["alias-shifted-by-cdk-deploy"],
    }


def test_the_alias_and_the_schedule_role_are_named_alike_on_both_sides() -> None:
    entries = {
        (r.side, r.kind, r.key): r
        for r in [
            *pulumi_resources(pulumi_plan()),
            *cdk_resources(TEMPLATE, account=ACCOUNT, region=REGION),
        ]
    }
    for side in ("pulumi", "cdk"):
        role = entries[(side, "iam-role", f"scheduler-schedule:{P}-nightly-report")]
        assert role.props["grants"] == [
            f"lambda:InvokeFunction on [lambda-alias {P}-nightly-report:live]"
        ]
        alias = entries[(side, "lambda-alias", f"{P}-nightly-report:live")]
        assert alias.props["version"] == "a published version"
        function = entries[(side, "lambda-function", f"{P}-nightly-report")]
        assert function.props["publishesVersions"] is True
    # CDK's version resource is part of its function's entry, not a row of its own.
    cdk_function = entries[("cdk", "lambda-function", f"{P}-nightly-report")]
    assert cdk_function.sources == ("Fn", "FnCurrentVersionabc")


ERRORS = f"{P}-nightly-report-live-errors"
THROTTLES = f"{P}-nightly-report-live-throttles"
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
SCHEDULE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{P}-nightly-report-schedule"


@pytest.mark.parametrize(
    ("changes", "kind", "prop"),
    [
        ({ERRORS: {"treatMissingData": "breaching"}}, "metric-alarm", "treatMissingData"),
        ({THROTTLES: {"threshold": 5}}, "metric-alarm", "threshold"),
        (
            {
                "nightly-report-group": {
                    "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}
                }
            },
            "codedeploy-deployment-group",
            "autoRollback",
        ),
        (
            {"nightly-report-group": {"deploymentConfigName": CANARY}},
            "codedeploy-deployment-group",
            "deploymentConfig",
        ),
        (
            # $LATEST instead of the alias: what the issue forbids for every trigger.
            {
                "nightly-report-schedule": {
                    "target": {"arn": FUNCTION_ARN, "roleArn": SCHEDULE_ROLE}
                }
            },
            "scheduler-schedule",
            "target",
        ),
        ({"nightly-report-url": {"authorizationType": "NONE"}}, "function-url", "authType"),
        ({"nightly-report": {"publish": False}}, "lambda-function", "publishesVersions"),
        ({"nightly-report-live": {"functionVersion": "$LATEST"}}, "lambda-alias", "version"),
    ],
)
def test_a_planted_pulumi_difference_is_unexpected(
    changes: dict[str, dict[str, Any]], kind: str, prop: str
) -> None:
    failing = _compare(pulumi_plan(**changes)).failing
    assert [(p.kind, [d.name for d in p.differences if not d.expected]) for p in failing] == [
        (kind, [prop])
    ]


def test_an_alias_pulumi_up_would_move_is_not_covered_by_the_reviewed_difference() -> None:
    plan = pulumi_plan()
    plan.resources[1] = dataclasses.replace(plan.resources[1], ignore_changes=())
    (pair,) = _compare(plan).failing
    assert (pair.kind, pair.verdict) == ("lambda-alias", "unexpected")
    assert pair.differences[0].unreviewed == (("pulumi", "pulumi up"),)


def test_the_full_managed_policy_on_the_cdk_side_would_be_unexpected() -> None:
    template = {"Resources": dict(TEMPLATE["Resources"])}
    role = template["Resources"]["CodeDeployRole"]
    template["Resources"]["CodeDeployRole"] = {
        **role,
        "Properties": {**role["Properties"], "ManagedPolicyArns": [LIMITED, ADMIN]},
    }
    (pair,) = _compare(pulumi_plan(), template).failing
    assert pair.kind == "iam-role"
    assert pair.differences[0].unreviewed == (
        ("cdk", "arn:aws:iam::aws:policy/AdministratorAccess"),
    )


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (f"{P}-api", (f"{P}-api", None)),
        (f"{P}-api:live", (f"{P}-api", "live")),
        (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{P}-api", (f"{P}-api", None)),
        (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{P}-api:live", (f"{P}-api", "live")),
        # Not a function ARN (a mock's generic one): kept whole, so it stays visible.
        (GENERIC, (GENERIC, None)),
    ],
)
def test_function_references_read_as_name_and_qualifier(
    reference: str, expected: tuple[str, str | None]
) -> None:
    assert function_and_qualifier(reference) == expected


def test_permissions_pair_by_function_action_and_principal() -> None:
    plan = Plan(
        project="container-delivery",
        stack="dev",
        resources=[
            planned(
                "aws:lambda/permission:Permission",
                "api-url-public",
                {
                    "action": "lambda:InvokeFunctionUrl",
                    "function": f"{P}-api",
                    "qualifier": "live",
                    "principal": "*",
                    "functionUrlAuthType": "NONE",
                },
            )
        ],
    )
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": f"{P}-api"}},
            "Alias": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "FunctionVersion": "1",
                    "Name": "live",
                },
            },
            "Public": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunctionUrl",
                    "FunctionName": {"Ref": "Alias"},
                    "Principal": "*",
                    "FunctionUrlAuthType": "NONE",
                },
            },
        }
    }
    pulumi = [r for r in pulumi_resources(plan) if r.kind == "lambda-permission"]
    cdk = [
        r
        for r in cdk_resources(template, account=ACCOUNT, region=REGION)
        if r.kind == "lambda-permission"
    ]
    assert [(r.key, r.props) for r in pulumi] == [(r.key, r.props) for r in cdk]
    assert pulumi[0].key == f"{P}-api:live lambda:InvokeFunctionUrl *"


def _stack(pulumi: list[Resource], cdk: list[Resource]) -> StackRun:
    return cast(StackRun, SimpleNamespace(stack="dev", pulumi=pulumi, cdk=cdk))


def test_the_release_point_says_who_shifts_traffic() -> None:
    pulumi = pulumi_resources(pulumi_plan())
    cdk = cdk_resources(TEMPLATE, account=ACCOUNT, region=REGION)
    point = _release_point(_stack(pulumi, cdk))
    assert (point.number, point.verdict) == (11, "intentional")
    assert "shifted by CodeDeploy during the stack deploy" in point.cdk
    assert "shifted by the release tool" in point.pulumi
    assert "CodeDeployDefault.LambdaAllAtOnce" in point.cdk
    assert (
        "CDK shifts traffic during cdk deploy; Pulumi shifts it in the release tool" in point.note
    )
    # A Pulumi side without aliases (or with another deployment config) is not parity.
    without = [r for r in pulumi if r.kind != "lambda-alias"]
    assert _release_point(_stack(without, cdk)).verdict == "unexpected"
    canary = pulumi_resources(
        pulumi_plan(**{"nightly-report-group": {"deploymentConfigName": CANARY}})
    )
    assert _release_point(_stack(canary, cdk)).verdict == "unexpected"
