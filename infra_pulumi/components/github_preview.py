"""A read-only role GitHub Actions assumes (OIDC) to run ``pulumi preview`` on pull requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass
class GithubPreviewRoleArgs:
    """Inputs of a ``GithubPreviewRole``."""

    role_name: str
    repository: str
    """``owner/name``: only this repository's pull requests may assume the role."""
    account_id: str
    partition: str
    create_oidc_provider: bool
    tag_parameter_arns: Sequence[pulumi.Input[str]]
    function_arns: Sequence[str]
    alias_arns: Sequence[str]
    """``<function ARN>:live``: the regression guard reads what each alias serves."""
    service_arn: pulumi.Input[str]
    repository_arns: Sequence[pulumi.Input[str]]
    """The image repositories: the regression guard reads a digest-pinned target's tags."""
    state_bucket: str | None = None
    """The s3 backend's bucket, if any: preview reads the stack's state from it."""


class GithubPreviewRole(pulumi.ComponentResource):
    """Everything ``pulumi preview`` of this program reads, and nothing it could change."""

    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: GithubPreviewRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:github:GithubPreviewRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.create_oidc_provider:
            provider_arn: pulumi.Input[str] = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=["sts.amazonaws.com"],
                opts=child,
            ).arn
        else:
            provider_arn = (
                f"arn:{args.partition}:iam::{args.account_id}:oidc-provider/{GITHUB_OIDC_HOST}"
            )
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=f"pulumi preview for pull requests of {args.repository}",
            max_session_duration=3600,
            assume_role_policy=document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": provider_arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                                f"{GITHUB_OIDC_HOST}:sub": f"repo:{args.repository}:pull_request",
                            }
                        },
                    }
                ]
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=document(preview_statements(args)),
            opts=child,
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})


def preview_statements(args: GithubPreviewRoleArgs) -> list[dict[str, Any]]:
    """What the program's invokes read during a preview, by exact ARN where AWS allows."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadImageTags",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": list(args.tag_parameter_arns),
        },
        {
            # The regression guard reads each function's live alias: the data source calls
            # GetFunction on the alias's ARN (Lambda authorizes a qualified call against
            # it), then GetFunctionConcurrency on the function, since a qualified
            # GetFunction returns no concurrency. A function without the alias is read
            # unqualified, which starts with ListVersionsByFunction. The calls are those of
            # the provider truth table (infra_pulumi/plan/provider_facts.py).
            "Sid": "ReadLiveFunctions",
            "Effect": "Allow",
            "Action": [
                "lambda:GetFunction",
                "lambda:GetFunctionConcurrency",
                "lambda:ListVersionsByFunction",
            ],
            "Resource": [*args.function_arns, *args.alias_arns],
        },
        {
            # A digest-pinned target: the data source reads the image (DescribeImages),
            # then its repository (DescribeRepositories) to build the image URI.
            "Sid": "ReadImageDigestTags",
            "Effect": "Allow",
            "Action": ["ecr:DescribeImages", "ecr:DescribeRepositories"],
            "Resource": list(args.repository_arns),
        },
        {
            "Sid": "ReadLiveService",
            "Effect": "Allow",
            "Action": "ecs:DescribeServices",
            "Resource": args.service_arn,
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
    if args.state_bucket:
        bucket = f"arn:{args.partition}:s3:::{args.state_bucket}"
        statements += [
            {
                "Sid": "ReadStateBucket",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket,
            },
            {
                "Sid": "ReadState",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{bucket}/*",
            },
        ]
    return statements
