"""What happens to a stack's data when the stack is deleted: kept, or emptied and deleted.

``protectData`` (default ``requireRelease``) keeps the repositories, the key, the tag
parameters and the buckets. CloudFormation has no per-resource refusal like Pulumi's
``protect``; its closest form is ``DeletionPolicy``/``UpdateReplacePolicy: Retain``
(CDK's ``RemovalPolicy.RETAIN``): deleting or replacing leaves the resource, and its
data, in the account. Without protection, ``RemovalPolicy.DESTROY`` lets ``cdk destroy``
finish: repositories are emptied by CloudFormation (``EmptyOnDelete``), buckets by CDK's
auto-delete custom resource.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicies, RemovalPolicy, Stack

from cdk_parity.reference.config import StackConfig


def data_removal(config: StackConfig) -> RemovalPolicy:
    """``RETAIN`` where the stack protects its data, else ``DESTROY``."""
    return RemovalPolicy.RETAIN if config.protects_data else RemovalPolicy.DESTROY


def logs_follow_data(stack: Stack, config: StackConfig) -> None:
    """Every log group of the stack is kept or deleted with its data (an Aspect).

    CDK's ``LogGroup`` defaults to ``RETAIN``; a development stack's named log groups
    left behind would make its next deploy fail on names that already exist.
    """
    RemovalPolicies.of(stack).apply(
        data_removal(config), apply_to_resource_types=["AWS::Logs::LogGroup"]
    )
