"""Lambda functions and ECS task definitions pull images only from the registries a team allows."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report, matches_any
from guardrails._images import images, parse


def validate(args: ResourceValidationArgs, report: Report) -> None:
    config = args.get_config()
    registries = config.get("allowedRegistries") or []
    repositories = config.get("allowedRepositories") or ["*"]
    for where, text in images(args.resource_type, args.props):
        image = parse(text)
        if not matches_any(image.registry, registries):
            report(
                f"{where}: image {text} comes from registry {image.registry}, which is not "
                f"one of {registries}."
            )
        elif not matches_any(image.repository, repositories):
            report(
                f"{where}: image {text} comes from repository {image.repository}, which is "
                f"not one of {repositories}."
            )


POLICY = ResourceValidationPolicy(
    name="image-registries",
    description=(
        "Lambda functions and ECS task definitions must pull from an allowed registry "
        "(config allowedRegistries, by default any account's private ECR) and repository "
        "(config allowedRepositories): push the image there instead."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedRegistries": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn"],
                "description": "Registry hosts (globs), e.g. 123456789012.dkr.ecr.*.amazonaws.com.",
            },
            "allowedRepositories": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["*"],
                "description": "Repository paths (globs), e.g. my-project-*.",
            },
        }
    ),
)
