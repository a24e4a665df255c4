"""A read-only role GitHub Actions assumes (OIDC) to run ``pulumi preview`` on pull requests.

Only jobs that run in one GitHub environment of one repository may assume it: the
environment's required reviewers decide which pull request runs its own program with the
state backend's secret (README, "Pull-request previews").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document
from infra_pulumi.components.preview_policies import PreviewReads, preview_statements

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass
class GithubPreviewRoleArgs:
    """Inputs of a ``GithubPreviewRole``."""

    role_name: str
    repository: str
    """``owner/name``: only this repository's jobs may assume the role..."""
    environment: str
    """...and only those that run in this GitHub environment, whose protection rules
    decide which pull requests may preview (and so use the state backend's secret)."""
    account_id: str
    partition: str
    create_oidc_provider: bool
    reads: PreviewReads
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary (see permissions_boundary.py)."""


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
            permissions_boundary=args.permissions_boundary,
            assume_role_policy=document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": provider_arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                                f"{GITHUB_OIDC_HOST}:sub": (
                                    f"repo:{args.repository}:environment:{args.environment}"
                                ),
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
            policy=document(preview_statements(args.reads)),
            opts=child,
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
