"""A read-only role GitHub Actions assumes (OIDC) to run ``pulumi preview`` on pull requests.

Only jobs of one repository that run in one GitHub environment may assume it (the OIDC
subject ``repo:<owner>/<repo>:environment:<name>``, GitHub's "About security hardening
with OpenID Connect"): that environment's required reviewers decide which pull request
runs its own program with the state backend's secret.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from cdk_parity.reference.boundary import GITHUB_OIDC_HOST
from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.preview_reads import PreviewReads, preview_statements


def github_preview_role(stack: Stack, config: StackConfig, *, reads: PreviewReads) -> iam.Role:
    """What ``pulumi preview`` reads on a pull request, and nothing it could change."""
    preview = config.github_preview
    assert preview is not None
    provider_arn = _provider_arn(stack, create=preview.create_oidc_provider)
    role = iam.Role(
        stack,
        "GithubPreviewRole",
        role_name=config.naming.github_preview_role,
        description=f"pulumi preview for pull requests of {preview.repository}",
        assumed_by=iam.WebIdentityPrincipal(
            provider_arn,
            {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC_HOST}:sub": (
                        f"repo:{preview.repository}:environment:{preview.environment}"
                    ),
                }
            },
        ),
    )
    for statement in preview_statements(
        stack, reads, state_bucket=preview.state_bucket, state_prefix=preview.state_prefix
    ):
        role.add_to_policy(statement)
    return role


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
