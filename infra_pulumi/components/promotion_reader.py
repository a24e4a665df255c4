"""The build stage's promotion reader role: what a promoted stage reads here, and the tag it adds.

``app.deploy promote`` in a promoted stage assumes this role (README, "Build once,
promote") to read this stage's manifest, tag parameter and failed-release record, to
resolve the tag's digest and check that this stage's live targets run it, and to tag that
digest ``promoted-<stage>-<tag>`` so the lifecycle policy keeps it. Every grant names an
exact ARN, except where AWS offers no resource-level permission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document
from infra_pulumi.components.pipeline_policies import web_service_read_statements


@dataclass
class PromotionReaderArgs:
    """Inputs of a ``PromotionReader``."""

    role_name: str
    """``<project>-<stack>-promotion-reader``."""
    partition: str
    trusted_accounts: Sequence[str]
    """The promoted stages' accounts."""
    trusted_role_arns: Sequence[str]
    """Their promote build roles: the only principals that may assume this role."""
    parameter_arns: Sequence[pulumi.Input[str]]
    """This stage's manifest, tag parameters and failed-release records."""
    repository_arns: Sequence[pulumi.Input[str]]
    """This stage's two repositories."""
    alias_arns: Sequence[str]
    """This stage's functions' ``live`` aliases: what they serve is what was released."""
    service_arn: pulumi.Input[str]
    """This stage's web service: its task definition's image is what was released."""
    permissions_boundary: pulumi.Input[str]


def reader_trust(partition: str, accounts: Sequence[str], roles: Sequence[str]) -> dict[str, Any]:
    """Only the promoted stages' promote build roles may assume the reader.

    The principal is each account, with the exact role ARNs in an ``aws:PrincipalArn``
    condition: IAM refuses a trust policy naming a role that does not exist yet (the
    promoted stage is often deployed after this one), and pins a named role to its unique
    id, so a re-created promote role would lose the trust (IAM User Guide, "AWS JSON policy
    elements: Principal", IAM role principals). No external id: the trusted principals
    are roles of the organisation's own accounts, not a third party's (IAM User Guide,
    "The confused deputy problem").
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PromotedStagesPromoteRoles",
                "Effect": "Allow",
                "Principal": {
                    "AWS": [
                        f"arn:{partition}:iam::{account}:root" for account in sorted(set(accounts))
                    ]
                },
                "Action": "sts:AssumeRole",
                "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(roles)}},
            }
        ],
    }


def reader_statements(args: PromotionReaderArgs) -> list[dict[str, Any]]:
    """Reads of this stage's release records and targets, and one write: a new tag.

    ``ecr:PutImage`` re-puts a manifest that is already in the repository under a new tag;
    with no layer-upload action the role cannot add an image whose layers are not already
    there, and commit tags are immutable, so it cannot move a release's tag either.
    """
    return [
        {
            "Sid": "ReadReleaseRecords",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameterHistory"],
            "Resource": list(args.parameter_arns),
        },
        {
            "Sid": "ResolveAndTagReleasedDigests",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchGetImage",
                "ecr:DescribeImages",
                "ecr:DescribeRepositories",
                "ecr:PutImage",
            ],
            "Resource": list(args.repository_arns),
        },
        {
            "Sid": "ReadLiveAliases",
            "Effect": "Allow",
            "Action": "lambda:GetFunction",
            "Resource": list(args.alias_arns),
        },
        *web_service_read_statements(args.service_arn),
    ]


class PromotionReader(pulumi.ComponentResource):
    """The role, under the stack's permissions boundary, and its one inline policy."""

    role_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: PromotionReaderArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:iam:PromotionReader", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            assume_role_policy=pulumi.Output.json_dumps(
                reader_trust(args.partition, args.trusted_accounts, args.trusted_role_arns)
            ),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=document(reader_statements(args)),
            opts=child,
        )
        self.role_arn = role.arn
        self.role_name = role.name
        self.register_outputs({"role_arn": self.role_arn})
