"""The boundary, lifecycle and audit-log kinds on the real run: both sides read alike, and a
difference planted in a copy of the CDK template is seen.

Expected values come from the stack config and AWS's words (CloudFormation's deletion
policies, ELB's access-log attributes), not from either side's code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from cdk_parity.compare.engine import Comparison, compare, load_expected
from cdk_parity.compare.model import Resource
from cdk_parity.compare.normalize import cdk_resources
from cdk_parity.compare.run import Run, StackRun
from cdk_parity.reference.config import EXAMPLE_ACCOUNT

REGION = "ap-northeast-1"


def _stack(parity_run: Run, stack: str) -> StackRun:
    return next(r for r in parity_run.runs if r.stack == stack)


def _entries(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r.key: r for r in resources if r.kind == kind}


def _planted(stack_run: StackRun, change: Callable[[dict[str, Any]], None]) -> Comparison:
    """The comparison again, with ``change`` applied to a copy of the CDK template."""
    template = copy.deepcopy(stack_run.synthesis.template)
    change(template["Resources"])
    cdk = cdk_resources(template, account=EXAMPLE_ACCOUNT, region=REGION)
    return compare(
        stack_run.pulumi,
        cdk,
        load_expected(),
        mode=str(stack_run.comparison.mode),
        stack=stack_run.stack,
    )


def _of_type(resources: dict[str, Any], typ: str) -> list[dict[str, Any]]:
    return [r for r in resources.values() if r["Type"] == typ]


def _unexpected(comparison: Comparison) -> list[tuple[str, str, list[str]]]:
    """Failing pairs, each with the properties that differ and no entry reviews."""
    return [
        (p.kind, p.key, [d.name for d in p.differences if not d.expected])
        for p in comparison.failing
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_role_on_both_sides_carries_the_stack_boundary(parity_run: Run, stack: str) -> None:
    stack_run = _stack(parity_run, stack)
    boundary = f"[iam-managed-policy container-delivery-{stack}-boundary]"
    for side in (stack_run.pulumi, stack_run.cdk):
        roles = _entries(side, "iam-role")
        assert len(roles) >= 6, sorted(roles)
        assert {k: r.props["permissionsBoundary"] for k, r in roles.items()} == {
            k: boundary for k in roles
        }
        (policy,) = _entries(side, "iam-managed-policy").values()
        assert policy.props["attachedTo"] == []  # a ceiling, attached to nothing
    pulumi, cdk = (
        _entries(side, "iam-managed-policy")[f"container-delivery-{stack}-boundary"]
        for side in (stack_run.pulumi, stack_run.cdk)
    )
    assert pulumi.props["grants"] == cdk.props["grants"]
    assert any(
        g.startswith("iam:CreateRole on ") and "iam:PermissionsBoundary=" in g
        for g in cdk.props["grants"]
    )


def test_a_role_without_the_boundary_is_seen(parity_run: Run) -> None:
    def drop(resources: dict[str, Any]) -> None:
        for role in _of_type(resources, "AWS::IAM::Role"):
            if role["Properties"].get("RoleName") == "container-delivery-prod-api-exec":
                del role["Properties"]["PermissionsBoundary"]

    found = _unexpected(_planted(_stack(parity_run, "prod"), drop))
    assert found == [
        ("iam-role", "lambda-function:container-delivery-prod-api", ["permissionsBoundary"])
    ]


def test_a_boundary_without_its_condition_is_seen(parity_run: Run) -> None:
    def loosen(resources: dict[str, Any]) -> None:
        (policy,) = _of_type(resources, "AWS::IAM::ManagedPolicy")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Sid") == "StackRolesOnlyUnderTheBoundary":
                del statement["Condition"]

    found = _unexpected(_planted(_stack(parity_run, "prod"), loosen))
    assert found == [("iam-managed-policy", "container-delivery-prod-boundary", ["grants"])]


def test_the_flow_log_reads_alike_and_a_change_is_seen(parity_run: Run) -> None:
    stack_run = _stack(parity_run, "prod")
    expected = {
        "trafficType": "ALL",
        "destinationType": "cloud-watch-logs",
        "logGroup": "/vpc/container-delivery-prod/flow-logs",
        "deliveryRole": "container-delivery-prod-vpc-flow-logs",
        "maxAggregationSeconds": 60,
    }
    for side in (stack_run.pulumi, stack_run.cdk):
        assert _entries(side, "flow-log")["vpc"].props == expected
    assert _entries(_stack(parity_run, "dev").cdk, "flow-log") == {}  # off in dev

    def rejected_only(resources: dict[str, Any]) -> None:
        for log in _of_type(resources, "AWS::EC2::FlowLog"):
            log["Properties"]["TrafficType"] = "REJECT"

    found = _unexpected(_planted(stack_run, rejected_only))
    assert found == [("flow-log", "vpc", ["trafficType"])]


def test_what_deleting_the_stack_does_follows_protect_data(parity_run: Run) -> None:
    dev, prod = _stack(parity_run, "dev"), _stack(parity_run, "prod")
    for side in (dev.pulumi, dev.cdk):  # protectData off: the stack can be torn down
        repositories = _entries(side, "ecr-repository").values()
        assert {r.props["onDelete"] for r in repositories} == {"emptied and deleted"}
        parameters = _entries(side, "ssm-parameter")
        assert parameters["/container-delivery/dev/images/lambda/tag"].props["onDelete"] == (
            "deleted"
        )
    # protectData on: Pulumi's protect, CloudFormation's Retain (a reviewed difference).
    for side, word in ((prod.pulumi, "protected"), (prod.cdk, "retained")):
        kept = [
            *_entries(side, "ecr-repository").values(),
            *_entries(side, "kms-key").values(),
            _entries(side, "s3-bucket")["artifact-store"],
            _entries(side, "s3-bucket")["access-log-store"],
            _entries(side, "ssm-parameter")["/container-delivery/prod/images/web/tag"],
        ]
        assert {r.props["onDelete"] for r in kept} == {word}


def test_a_dev_repository_that_would_not_empty_is_seen(parity_run: Run) -> None:
    def keep_images(resources: dict[str, Any]) -> None:
        for repository in _of_type(resources, "AWS::ECR::Repository"):
            repository["Properties"].pop("EmptyOnDelete")

    found = _unexpected(_planted(_stack(parity_run, "dev"), keep_images))
    assert sorted(found) == [
        ("ecr-repository", f"container-delivery-dev-{image}", ["onDelete"])
        for image in ("lambda", "web")
    ]


def test_access_logs_go_to_the_access_log_bucket_on_both_sides(parity_run: Run) -> None:
    stack_run = _stack(parity_run, "prod")
    for side in (stack_run.pulumi, stack_run.cdk):
        buckets = _entries(side, "s3-bucket")
        assert set(buckets) == {"artifact-store", "access-log-store"}
        logs = buckets["access-log-store"].props
        assert logs["encryption"] == "AES256"  # the only one ELB and S3 logging accept
        assert logs["expireAfterDays"] == 365  # prod's logRetentionDays
        assert buckets["artifact-store"].props["accessLogsTo"] == (
            "[s3-bucket access-log-store]/s3/artifacts/"
        )
        assert any(
            w.startswith("AWS:arn:aws:iam::582318560864:root: s3:PutObject on ")
            and w.endswith("/alb/AWSLogs/123456789012/*")
            for w in logs["writers"]
        ), logs["writers"]  # ap-northeast-1's Elastic Load Balancing account
        (balancer,) = _entries(side, "load-balancer").values()
        assert balancer.props["accessLogPrefix"] == "alb"
    assert "access-log-store" not in _entries(_stack(parity_run, "dev").cdk, "s3-bucket")


def test_a_load_balancer_that_stops_logging_is_seen(parity_run: Run) -> None:
    def stop(resources: dict[str, Any]) -> None:
        for balancer in _of_type(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer"):
            for attribute in balancer["Properties"]["LoadBalancerAttributes"]:
                if attribute["Key"] == "access_logs.s3.enabled":
                    attribute["Value"] = "false"

    found = _unexpected(_planted(_stack(parity_run, "prod"), stop))
    assert ("load-balancer", "container-delivery-prod-web", ["accessLogPrefix"]) in found
