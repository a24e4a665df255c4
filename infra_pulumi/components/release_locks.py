"""The release lock table (manifest schema 4): one item per image while a release holds it.

The release tool takes an image's lock with a conditional ``PutItem``
(``attribute_not_exists(lockKey)``), releases it with a ``DeleteItem`` conditional on its
own token, and breaks an expired one with a ``DeleteItem`` conditional on the holder's
token: each one round trip, each atomic (docs/app-release.md has the contract).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

#: The partition key: an image's ``lockParameter`` name (``/<project>/<stack>/images/
#: <image>/release-lock``), so one name identifies the lock in both its forms.
LOCK_KEY = "lockKey"


@dataclass
class ReleaseLockTableArgs:
    """Inputs of a ``ReleaseLockTable``."""

    table_name: str
    """``<project>-<stack>-release-locks`` (``Naming.release_lock_table``)."""
    deletion_protection: bool
    """DynamoDB's own deletion protection: on where the stack protects its data, so that
    a lock held during a release cannot vanish with its table."""


class ReleaseLockTable(pulumi.ComponentResource):
    """The DynamoDB table the release tool keeps its locks in."""

    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ReleaseLockTableArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:dynamodb:ReleaseLockTable", name, None, opts)
        table = aws.dynamodb.Table(
            f"{name}-table",
            name=args.table_name,
            # Only key attributes are declared: the provider's docs warn that any other
            # attribute here makes every plan show a change (``token`` and ``holder`` are
            # written by the tool, schemaless).
            hash_key=LOCK_KEY,
            attributes=[aws.dynamodb.TableAttributeArgs(name=LOCK_KEY, type="S")],
            # A few requests per release: on demand, no capacity to set (the provider
            # refuses read/write capacity with PAY_PER_REQUEST).
            billing_mode="PAY_PER_REQUEST",
            # enabled with no kms_key_arn: the AWS managed key aws/dynamodb (SSE type KMS).
            # Its key policy lets any principal of the account use it through DynamoDB,
            # so the release tool's roles need no KMS grant.
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            deletion_protection_enabled=args.deletion_protection,
            # No TTL, deliberately: an expired lock is broken by the release tool, in the
            # open (--break-expired-lock), never deleted silently in the background.
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table_name = table.name
        self.table_arn = table.arn
        self.register_outputs({"table_name": self.table_name, "table_arn": self.table_arn})
