"""What a ``pulumi preview`` of this program reads: one set of grants for both preview roles.

The CodeBuild Preview stage and the GitHub pull-request role run the same preview, so
they get the same reads, by exact ARN where AWS allows, and the state backend's own
folder only (Pulumi's S3 backend keeps everything under ``<prefix>/.pulumi``). Each
grant is a call the program's data sources make (terraform-provider-aws, per data
source); AWS's ``ReadOnlyAccess`` would read every object of every bucket instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from cdk_parity.reference.naming import LIVE_ALIAS


@dataclass(frozen=True)
class PreviewReads:
    """The resources a preview of this stack reads."""

    tag_parameter_arns: Sequence[str]
    function_arns: Sequence[str]
    service_arn: str
    repository_arns: Sequence[str]

    @property
    def alias_arns(self) -> list[str]:
        """``<function ARN>:live``: a qualified call is authorized against the alias."""
        return [f"{arn}:{LIVE_ALIAS}" for arn in self.function_arns]


def state_folder(prefix: str) -> str:
    """Where Pulumi's S3 backend keeps a backend's state: ``<prefix>/.pulumi``."""
    return f"{prefix}/.pulumi" if prefix else ".pulumi"


def preview_statements(
    stack: Stack, reads: PreviewReads, *, state_bucket: str | None, state_prefix: str
) -> list[iam.PolicyStatement]:
    """Read-only grants; the state folder's when the backend is an S3 bucket."""
    statements = [
        iam.PolicyStatement(
            sid="ReadImageTags",
            actions=["ssm:GetParameter"],
            resources=list(reads.tag_parameter_arns),
        ),
        iam.PolicyStatement(
            # The regression guard reads what each live alias serves: GetFunction on the
            # alias's ARN, then GetFunctionConcurrency (a qualified GetFunction returns
            # none); a function without the alias is read unqualified, which starts
            # with ListVersionsByFunction.
            sid="ReadLiveFunctions",
            actions=[
                "lambda:GetFunction",
                "lambda:GetFunctionConcurrency",
                "lambda:ListVersionsByFunction",
            ],
            resources=[*reads.function_arns, *reads.alias_arns],
        ),
        iam.PolicyStatement(
            # A digest-pinned target: the image's tags (DescribeImages), then its
            # repository (DescribeRepositories) for the image URI.
            sid="ReadImageDigestTags",
            actions=["ecr:DescribeImages", "ecr:DescribeRepositories"],
            resources=list(reads.repository_arns),
        ),
        iam.PolicyStatement(
            sid="ReadLiveService",
            actions=["ecs:DescribeServices"],
            resources=[reads.service_arn],
        ),
        iam.PolicyStatement(
            # None of these takes resource-level permissions: IAM requires "*".
            sid="ReadOnlyWithoutResourceScope",
            actions=[
                "ec2:DescribeAvailabilityZones",
                "ecr:GetAuthorizationToken",
                "ecs:DescribeTaskDefinition",
            ],
            resources=["*"],
        ),
    ]
    if state_bucket:
        bucket = f"arn:{stack.partition}:s3:::{state_bucket}"
        folder = state_folder(state_prefix)
        statements += [
            iam.PolicyStatement(
                sid="ListTheStateFolder",
                actions=["s3:ListBucket"],
                resources=[bucket],
                conditions={"StringLike": {"s3:prefix": [f"{folder}/*"]}},
            ),
            iam.PolicyStatement(
                sid="ReadTheState",
                actions=["s3:GetObject"],
                resources=[f"{bucket}/{folder}/*"],
            ),
        ]
    return statements
