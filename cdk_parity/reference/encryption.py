"""The stack's own KMS key, the CDK way, for ``createKmsKey: true``.

``kms.Key`` keeps CDK's default key policy (the account root may use the key, so IAM
policies apply); CloudWatch Logs is added with ``add_to_resource_policy``, limited to
this stack's log groups by the ``kms:EncryptionContext:aws:logs:arn`` condition
(CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


def stack_key(
    scope: Construct, construct_id: str, *, alias: str, log_groups: Sequence[str]
) -> kms.Key:
    """A rotated key with an alias; CloudWatch Logs may use it for ``log_groups`` only."""
    stack = Stack.of(scope)
    key = kms.Key(
        scope,
        construct_id,
        alias=alias,
        description=f"{alias}: this stack's images, logs and pipeline artifacts",
        enable_key_rotation=True,
        pending_window=Duration.days(30),
    )
    logs = iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[logs],
            actions=["kms:Decrypt*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:EncryptionContext:aws:logs:arn": sorted(
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{name}"
                        for name in log_groups
                    )
                }
            },
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(principals=[logs], actions=["kms:DescribeKey"], resources=["*"])
    )
    return key
