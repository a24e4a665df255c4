"""What ``pulumi preview`` of this program reads: the same grants for every preview role.

The calls are those of the provider truth table (``infra_pulumi/plan/provider_facts.py``)
for the invokes the program makes; ``tests/infra/test_invoke_permissions.py`` checks each
preview role against it in every tag state. The state is read from the backend's own
folder only, so a preview role sees no other project's or prefix's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi


@dataclass(frozen=True)
class StateFolder:
    """A self-managed (``s3://``) backend: its bucket and the key prefix it was given."""

    bucket: str
    prefix: str = ""

    @property
    def folder(self) -> str:
        """Where Pulumi's S3 backend keeps everything: ``<prefix>/.pulumi``."""
        return f"{self.prefix}/.pulumi" if self.prefix else ".pulumi"


@dataclass(frozen=True)
class PreviewReads:
    """The resources a preview of this stack reads."""

    tag_parameter_arns: Sequence[pulumi.Input[str]]
    function_arns: Sequence[str]
    alias_arns: Sequence[str]
    """``<function ARN>:live``: the regression guard reads what each alias serves."""
    service_arn: pulumi.Input[str]
    repository_arns: Sequence[pulumi.Input[str]]
    """The image repositories: the regression guard reads a digest-pinned target's tags."""
    partition: str = "aws"
    state: StateFolder | None = field(default=None)


def preview_statements(reads: PreviewReads) -> list[dict[str, Any]]:
    """Read-only grants, by exact ARN where AWS allows."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadImageTags",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": list(reads.tag_parameter_arns),
        },
        {
            # The regression guard reads each function's live alias: the data source calls
            # GetFunction on the alias's ARN (Lambda authorizes a qualified call against
            # it), then GetFunctionConcurrency on the function, since a qualified
            # GetFunction returns no concurrency. A function without the alias is read
            # unqualified, which starts with ListVersionsByFunction.
            "Sid": "ReadLiveFunctions",
            "Effect": "Allow",
            "Action": [
                "lambda:GetFunction",
                "lambda:GetFunctionConcurrency",
                "lambda:ListVersionsByFunction",
            ],
            "Resource": [*reads.function_arns, *reads.alias_arns],
        },
        {
            # A digest-pinned target: the data source reads the image (DescribeImages),
            # then its repository (DescribeRepositories) to build the image URI.
            "Sid": "ReadImageDigestTags",
            "Effect": "Allow",
            "Action": ["ecr:DescribeImages", "ecr:DescribeRepositories"],
            "Resource": list(reads.repository_arns),
        },
        {
            "Sid": "ReadLiveService",
            "Effect": "Allow",
            "Action": "ecs:DescribeServices",
            "Resource": reads.service_arn,
        },
        {
            # None of these take resource-level permissions: AWS requires "*".
            "Sid": "ReadOnlyWithoutResourceScope",
            "Effect": "Allow",
            "Action": [
                "ecs:DescribeTaskDefinition",
                "ecr:GetAuthorizationToken",
                "ec2:DescribeAvailabilityZones",
            ],
            "Resource": "*",
        },
    ]
    if reads.state is not None:
        bucket = f"arn:{reads.partition}:s3:::{reads.state.bucket}"
        folder = reads.state.folder
        statements += [
            {
                "Sid": "ListTheStateFolder",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket,
                "Condition": {"StringLike": {"s3:prefix": [f"{folder}/*"]}},
            },
            {
                "Sid": "ReadTheState",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{bucket}/{folder}/*",
            },
        ]
    return statements
