"""ECR repositories keep every tag immutable, except the placeholder tag(s) a team names."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report, as_list

REPOSITORY = "aws:ecr/repository:Repository"


def validate(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != REPOSITORY:
        return
    allowed = set(args.get_config().get("mutableTags") or [])
    # ECR's default, when the property is absent, is MUTABLE.
    mutability = args.props.get("imageTagMutability") or "MUTABLE"
    if mutability == "IMMUTABLE":
        return
    if mutability != "IMMUTABLE_WITH_EXCLUSION":
        report(f"imageTagMutability is {mutability}: any tag can be overwritten.")
        return
    for item in as_list(args.props.get("imageTagMutabilityExclusionFilters")):
        tag = item.get("filter")
        if item.get("filterType") != "WILDCARD" or tag not in allowed or "*" in str(tag):
            report(
                f"exclusion filter {tag!r} leaves more than the placeholder tag mutable; "
                f"only {sorted(allowed)} may be excluded, each spelt out without wildcards."
            )


POLICY = ResourceValidationPolicy(
    name="ecr-tag-immutability",
    description=(
        "ECR repositories must use imageTagMutability IMMUTABLE, or IMMUTABLE_WITH_EXCLUSION "
        "excluding only the placeholder tag (config mutableTags), so a pushed release tag "
        "can never be overwritten."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "mutableTags": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["initial"],
                "description": "Tags an exclusion filter may keep mutable (the placeholder).",
            }
        }
    ),
)
