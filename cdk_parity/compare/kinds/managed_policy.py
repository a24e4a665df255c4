"""Customer-managed IAM policies: the stack's permissions boundary.

Keyed by the policy's name. What it allows and denies reads as a role's grants do; the
roles it is *attached* to (not the roles whose boundary it is, which each role entry
shows) should be none, since a boundary only caps.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import grants
from cdk_parity.compare.model import Resource

#: The tag the Pulumi program marks its boundary with, for the guardrails pack.
PURPOSE_TAG = "purpose"


def _props(
    name: Any, document: Any, attached_to: list[str], tags: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "grants": grants([document]),
        "attachedTo": sorted(attached_to),
        "purposeTag": tags.get(PURPOSE_TAG),
    }


class ManagedPolicy(Kind):
    """Its document, what it is attached to, and the tag that says what it is for."""

    name = "iam-managed-policy"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        attachments = plan.of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        for policy in plan.of("aws:iam/policy:Policy"):
            arn = policy.outputs.get("arn")
            attached = [str(a.inputs["role"]) for a in attachments if a.inputs["policyArn"] == arn]
            name = policy.inputs["name"]
            props = _props(name, policy.inputs["policy"], attached, policy.inputs.get("tags") or {})
            yield plan.resource(self.name, name, props, policy)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        roles = template.of("AWS::IAM::Role")
        for logical, props in template.of("AWS::IAM::ManagedPolicy"):
            arns = template.render.arns(logical)
            attached = [str(r) for r in props.get("Roles", [])] + [
                str(role.get("RoleName", role_logical))
                for role_logical, role in roles
                if arns & {str(a) for a in role.get("ManagedPolicyArns", [])}
            ]
            name = props.get("ManagedPolicyName", logical)
            # AWS::IAM::ManagedPolicy has no Tags property (its CloudFormation schema).
            normalised = _props(name, props.get("PolicyDocument"), attached, {})
            yield template.resource(self.name, name, normalised, logical)
