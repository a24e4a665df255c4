"""The stack-owned KMS key: CloudWatch Logs may use it for this stack's log groups only."""

from __future__ import annotations

import json

import pytest

from infra_pulumi.plan import Plan
from tests.infra.conftest import RunProgram, policy


def test_prod_creates_its_own_rotated_key_with_an_alias(prod_plan: Plan) -> None:
    (key,) = prod_plan.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    (alias,) = prod_plan.of_type("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/container-delivery-prod"


def test_every_encrypted_log_group_is_named_in_the_key_policy(prod_plan: Plan) -> None:
    (key,) = prod_plan.of_type("aws:kms/key:Key")
    by_sid = {s["Sid"]: s for s in policy(key)["Statement"]}
    logs = by_sid["CloudWatchLogsForThisStacksLogGroups"]
    assert logs["Principal"] == {"Service": "logs.ap-northeast-1.amazonaws.com"}
    allowed = set(logs["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"])
    key_arn = key.outputs["arn"]
    groups = prod_plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    # two functions, the web service, three builds, the VPC's flow logs
    assert len(groups) == 7
    for group in groups:
        assert group.inputs["kmsKeyId"] == key_arn, group.urn
        # CloudWatch's encryption context is the log group's ARN without ':*'.
        arn = f"arn:aws:logs:ap-northeast-1:123456789012:log-group:{group.inputs['name']}"
        assert arn in allowed, group.urn
    assert len(allowed) == len(groups)
    root = by_sid["EnableIamPoliciesInThisAccount"]
    assert root["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert "Condition" not in by_sid["CloudWatchLogsDescribeKey"]


def test_every_encrypted_resource_uses_the_stack_key(prod_plan: Plan) -> None:
    key_arn = prod_plan.of_type("aws:kms/key:Key")[0].outputs["arn"]
    text = json.dumps([r.inputs for r in prod_plan.resources])
    assert "111122223333:key/" not in text  # the old placeholder ARN is gone
    for repo in prod_plan.of_type("aws:ecr/repository:Repository"):
        assert repo.inputs["encryptionConfigurations"] == [
            {"encryptionType": "KMS", "kmsKey": key_arn}
        ], repo.urn
    for build in prod_plan.of_type("aws:codebuild/project:Project"):
        assert build.inputs["encryptionKey"] == key_arn, build.urn


def test_the_key_and_a_brought_in_key_are_exclusive(run_program: RunProgram) -> None:
    from infra_pulumi.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"either createKmsKey .* or kmsKeyArn"):
        run_program(
            config={"createKmsKey": True, "kmsKeyArn": "arn:aws:kms:ap-northeast-1:1:key/x"}
        )


def test_dev_uses_aws_managed_keys_and_creates_none(first_deploy_plan: Plan) -> None:
    assert first_deploy_plan.of_type("aws:kms/key:Key") == []
