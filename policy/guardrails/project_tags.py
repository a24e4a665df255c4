"""Every taggable resource of the stack carries the project's tags.

pulumi-aws merges the provider's ``defaultTags`` with a resource's ``tags`` into
``tagsAll`` for every resource type that supports tags (and only those), so ``tagsAll``
is what a resource really carries, whichever way the program tags it.
"""

from __future__ import annotations

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails._common import Report

PLACEHOLDERS = {"{project}": pulumi.get_project, "{stack}": pulumi.get_stack}


def _expected(value: str) -> str | None:
    """The value a tag must have: a placeholder's value, or None for any non-empty value."""
    if value in ("", "*"):
        return None
    return PLACEHOLDERS[value]() if value in PLACEHOLDERS else value


def validate(args: StackValidationArgs, report: Report) -> None:
    required = dict(args.get_config().get("requiredTags") or {})
    for resource in args.resources:
        if not resource.resource_type.startswith("aws:"):
            continue
        if "tagsAll" in resource.props:
            tags = resource.props.get("tagsAll") or {}
        elif "tags" in resource.props:
            tags = resource.props.get("tags") or {}
        else:
            continue  # the type does not support tags
        problems = []
        for key, value in sorted(required.items()):
            want = _expected(str(value))
            have = tags.get(key)
            if not have:
                problems.append(f"no {key!r} tag")
            elif want is not None and have != want:
                problems.append(f"tag {key!r} is {have!r}, not {want!r}")
        if problems:
            report("; ".join(problems) + ".", resource.urn)


POLICY = StackValidationPolicy(
    name="project-tags",
    description=(
        "Every AWS resource that supports tags must carry the project's tags (config "
        "requiredTags); set them once as the provider's defaultTags (aws:defaultTags)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredTags": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "default": {"project": "{project}", "stack": "{stack}"},
                "description": (
                    "Tag key -> required value; {project} and {stack} are the Pulumi project "
                    'and stack, and "*" accepts any non-empty value.'
                ),
            }
        }
    ),
)
