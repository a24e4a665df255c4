"""The release lock table (manifest schema 4), written from the lock contract in
docs/app-release.md: one item per image while a release holds it, keyed by ``lockKey``.

The contract asks for a partition key ``lockKey`` (string) and no sort key, on-demand
billing, encryption with the AWS managed key (so the release tool needs no KMS grant), no
TTL (an expired lock is broken by the tool, in the open) and deletion protection where the
stack protects its data, which also keeps the table when the stack is deleted
(``lifecycle.py``).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb

from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.lifecycle import data_removal


def release_lock_table(stack: Stack, config: StackConfig) -> dynamodb.Table:
    """``<project>-<stack>-release-locks``."""
    return dynamodb.Table(
        stack,
        "ReleaseLocks",
        table_name=config.naming.release_lock_table,
        partition_key=dynamodb.Attribute(name="lockKey", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        deletion_protection=config.protects_data,
        removal_policy=data_removal(config),
    )
