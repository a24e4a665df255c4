"""No identity policy allows a write on ``"Resource": "*"`` outside a documented allow-list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report, as_list
from guardrails._iam import (
    WRITE_LEVELS,
    access_level,
    allowed_actions,
    documents,
    label,
    statements,
)
from guardrails.iam_no_action_star import ATTACHMENTS

#: Writes AWS authorizes only on "*", each with the reason; a team extends the list in config.
ALLOWED_ACTIONS = {
    "codedeploy:StopDeployment": (
        "the Service Authorization Reference lists no resource type for it (the request names "
        'a deployment id), so AWS evaluates it against "*"'
    ),
}
#: AWS managed policies the pack cannot read, each allowed for a documented reason.
ALLOWED_MANAGED_POLICIES = {
    "PowerUserAccess": (
        "the infra deploy role runs `pulumi up`, which manages every resource of the stack "
        "(README, Pipelines); cap it with a permissions boundary"
    ),
    "ReadOnlyAccess": "read-only: the preview role reads what `pulumi preview` refreshes",
    "service-role/AWSCodeDeployRoleForLambdaLimited": (
        "CodeDeploy's own service-role policy for Lambda deployments"
    ),
}


def _any_resource(statement: Mapping[str, Any]) -> bool:
    return "*" in as_list(statement.get("Resource")) or "NotResource" in statement


def _managed_arns(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if resource_type in ATTACHMENTS:
        return [str(props.get("policyArn"))]
    if resource_type == "aws:iam/role:Role":
        return [str(a) for a in as_list(props.get("managedPolicyArns"))]
    return []


def validate(args: ResourceValidationArgs, report: Report) -> None:
    config = args.get_config()
    allowed = {a.lower() for a in config.get("allowedActions", ALLOWED_ACTIONS)}
    for document in documents(args.resource_type, args.props):
        if not document.identity:
            continue  # a resource policy's Resource is the resource itself
        if document.boundary:
            continue  # a ceiling, checked by iam-boundary-only; it grants nothing
        for index, statement in enumerate(statements(document.body)):
            if not _any_resource(statement):
                continue
            writes = sorted(
                a
                for a in allowed_actions(statement)
                if a.lower() not in allowed and (access_level(a) or "Write") in WRITE_LEVELS
            )
            if writes:
                shown = ", ".join(writes[:5]) + (
                    f" and {len(writes) - 5} more" if len(writes) > 5 else ""
                )
                report(
                    f"{document.where}, {label(statement, index)}: write actions on any "
                    f"resource: {shown}. Name the resources' ARNs, or add an action AWS "
                    'authorizes only on "*" to allowedActions with its reason.'
                )
    managed = config.get("allowedManagedPolicies", ALLOWED_MANAGED_POLICIES)
    for arn in _managed_arns(args.resource_type, args.props):
        prefix, sep, name = arn.partition(":iam::aws:policy/")
        if sep and prefix.startswith("arn:") and name not in managed:
            report(
                f"attaches the AWS managed policy {arn}, which this pack cannot read; add it to "
                "allowedManagedPolicies with the reason it is needed, or grant exact actions."
            )


POLICY = ResourceValidationPolicy(
    name="iam-no-write-on-any-resource",
    description=(
        "Identity policies may allow write actions (AWS access levels Write, Permissions "
        'management, Tagging) on "Resource": "*" only for the documented exceptions '
        "(config allowedActions), and attach only listed AWS managed policies (config "
        "allowedManagedPolicies)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedActions": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1},
                "default": ALLOWED_ACTIONS,
                "description": 'Write actions allowed on "*": action -> why AWS requires "*".',
            },
            "allowedManagedPolicies": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1},
                "default": ALLOWED_MANAGED_POLICIES,
                "description": "AWS managed policies (name after policy/) -> why it is attached.",
            },
        }
    ),
)
