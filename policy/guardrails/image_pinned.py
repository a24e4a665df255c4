"""Lambda functions and ECS task definitions run images pinned by a tag or digest, never latest."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report
from guardrails._images import images, parse


def validate(args: ResourceValidationArgs, report: Report) -> None:
    forbidden = set(args.get_config().get("forbiddenTags") or [])
    for where, text in images(args.resource_type, args.props):
        image = parse(text)
        if image.digest:
            continue  # a digest pins the content itself
        if image.tag is None:
            report(f"{where}: image {text} has no tag, so it runs whatever `latest` is.")
        elif image.tag in forbidden:
            report(f"{where}: image {text} uses the moving tag {image.tag!r}.")


POLICY = ResourceValidationPolicy(
    name="image-pinned",
    description=(
        "Lambda functions and ECS task definitions must name their image by a release tag "
        "(e.g. the commit) or a digest: never :latest or no tag at all."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "forbiddenTags": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["latest"],
                "description": "Tags that move, and so pin nothing.",
            }
        }
    ),
)
