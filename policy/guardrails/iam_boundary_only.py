"""A permissions boundary is only ever a boundary, and every role of the stack carries it.

The grant rules (``iam-no-action-star``, ``iam-no-write-on-any-resource``) skip a managed
policy tagged ``purpose: permissions-boundary``, since a boundary caps what a role may do
and grants nothing (IAM User Guide, "Permissions boundaries for IAM entities"). That is
only true while the policy is attached to nothing: attached, its document would grant.
So here: no attachment names such a policy, and, where the stack has one, every role
names it as its permissions boundary.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails._common import Report
from guardrails._iam import ROLE, is_boundary

ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)


def _names(arn: object) -> str:
    """The policy name an IAM policy ARN ends with (``arn:...:policy/<path/>name``)."""
    return str(arn).rsplit("/", 1)[-1]


def validate(args: StackValidationArgs, report: Report) -> None:
    boundaries = {
        str(r.props.get("name")): r
        for r in args.resources
        if is_boundary(r.resource_type, r.props) and r.props.get("name")
    }
    if not boundaries:
        return
    for attachment in args.resources:
        if attachment.resource_type in ATTACHMENTS:
            name = _names(attachment.props.get("policyArn"))
            if name in boundaries:
                report(
                    f"attaches the permissions boundary {name}: attached, its document "
                    "grants; use it only as a role's permissionsBoundary.",
                    attachment.urn,
                )
    for role in args.resources:
        if role.resource_type != ROLE:
            continue
        boundary = role.props.get("permissionsBoundary")
        if not boundary or _names(boundary) not in boundaries:
            report(
                f"role {role.props.get('name') or role.name} does not carry the stack's "
                f"permissions boundary ({', '.join(sorted(boundaries))}).",
                role.urn,
            )


POLICY = StackValidationPolicy(
    name="iam-boundary-only",
    description=(
        "A managed policy tagged purpose=permissions-boundary must be attached to nothing, "
        "and every role of the stack must carry it as its permissionsBoundary."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
)
