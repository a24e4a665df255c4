"""The stack's own customer-managed KMS key, with a key policy its users can work with.

CreateLogGroup with a customer key fails unless the key policy lets CloudWatch Logs
(``logs.<region>.amazonaws.com``) use the key, so the stack creates and owns the key
rather than relying on a brought-in key's policy being right. The key policy:

- delegates to IAM in this account (the root principal), as every key policy must for
  IAM policies to apply. CodeBuild, CodePipeline (artifacts) and the deploying role then
  use the key through their own roles' policies, which name this key exactly;
- lets CloudWatch Logs encrypt and decrypt with it only for this stack's log groups,
  through the ``kms:EncryptionContext:aws:logs:arn`` condition (CloudWatch Logs User
  Guide, "Encrypt log data in CloudWatch Logs using AWS KMS"), and describe it.

A key policy's ``Resource`` is always ``"*"``: in a key policy it means "this key".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


def key_policy(
    *, account_id: str, region: str, partition: str, log_group_names: Sequence[str]
) -> str:
    """The key policy document (all values are known at program time)."""
    log_group_arns = sorted(
        f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}" for name in log_group_names
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "EnableIamPoliciesInThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",  # in a key policy, "*" is this key
        },
        {
            "Sid": "CloudWatchLogsForThisStacksLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": [
                "kms:Decrypt*",
                "kms:Encrypt*",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            "Resource": "*",  # in a key policy, "*" is this key
            # Exact log-group ARNs, so StringEquals is as precise as the ArnEquals of
            # AWS's example and matches the key's String type.
            "Condition": {"StringEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
        },
        {
            # DescribeKey carries no encryption context, so it cannot take the condition
            # above; it reveals the key's metadata only.
            "Sid": "CloudWatchLogsDescribeKey",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",  # in a key policy, "*" is this key
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass
class StackKeyArgs:
    """Inputs of a ``StackKey``."""

    alias: str
    """``alias/<project>-<stack>``."""
    account_id: str
    region: str
    partition: str
    log_group_names: Sequence[str]
    """Every log group the key encrypts; CloudWatch Logs may use the key for these only."""


class StackKey(pulumi.ComponentResource):
    """A symmetric key with yearly rotation, a 30-day deletion window and an alias."""

    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: StackKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:kms:StackKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.alias}: this stack's images, logs and pipeline artifacts",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=key_policy(
                account_id=args.account_id,
                region=args.region,
                partition=args.partition,
                log_group_names=args.log_group_names,
            ),
            opts=child,
        )
        aws.kms.Alias(f"{name}-alias", name=args.alias, target_key_id=key.key_id, opts=child)
        self.key_arn = key.arn
        self.register_outputs({"key_arn": self.key_arn})
