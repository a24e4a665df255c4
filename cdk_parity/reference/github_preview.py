"""A read-only role GitHub Actions assumes (OIDC) to run ``pulumi preview`` on pull requests."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm

from cdk_parity.reference.config import StackConfig

#: GitHub Actions' OIDC issuer (GitHub's "Configuring OpenID Connect in AWS").
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


def github_preview_role(
    stack: Stack,
    config: StackConfig,
    *,
    tag_parameters: Sequence[ssm.StringParameter],
    function_arns: Sequence[str],
    service: ecs.FargateService,
    repositories: Sequence[ecr.IRepository],
) -> None:
    """What ``pulumi preview`` reads on a pull request, and nothing it could change."""
    preview = config.github_preview
    assert preview is not None
    provider_arn = _provider_arn(stack, create=preview.create_oidc_provider)
    role_name = f"{config.naming.prefix}-github-preview"
    role = iam.Role(
        stack,
        "GithubPreviewRole",
        role_name=role_name,
        description=f"pulumi preview for pull requests of {preview.repository}",
        assumed_by=iam.WebIdentityPrincipal(
            provider_arn,
            {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC_HOST}:sub": f"repo:{preview.repository}:pull_request",
                }
            },
        ),
    )
    for parameter in tag_parameters:
        parameter.grant_read(role)
    # The regression guard asks ECR which tags a digest-pinned target's image carries.
    for repository in repositories:
        repository.grant(role, "ecr:DescribeImages")
    role.add_to_policy(
        iam.PolicyStatement(actions=["lambda:GetFunction"], resources=list(function_arns))
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["ecs:DescribeServices"], resources=[service.service_arn])
    )
    role.add_to_policy(
        iam.PolicyStatement(
            # None of these take resource-level permissions: IAM requires "*".
            actions=[
                "ec2:DescribeAvailabilityZones",
                "ecr:GetAuthorizationToken",
                "ecs:DescribeTaskDefinition",
            ],
            resources=["*"],
        )
    )
    if preview.state_bucket:
        s3.Bucket.from_bucket_name(stack, "StateBucket", preview.state_bucket).grant_read(role)


def _provider_arn(stack: Stack, *, create: bool) -> str:
    """GitHub's OIDC provider: created here, or the account's existing one (one per URL)."""
    if create:
        return iam.OidcProviderNative(
            stack,
            "GithubOidc",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_ids=["sts.amazonaws.com"],
        ).oidc_provider_arn
    return stack.format_arn(
        service="iam", region="", resource="oidc-provider", resource_name=GITHUB_OIDC_HOST
    )
