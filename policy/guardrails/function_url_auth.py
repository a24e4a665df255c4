"""Lambda Function URLs authenticate their callers unless a team allows public URLs."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report

FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"


def validate(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != FUNCTION_URL or args.get_config().get("allowPublic"):
        return
    if args.props.get("authorizationType") != "AWS_IAM":
        report(
            f"authorizationType is {args.props.get('authorizationType')}: anyone on the "
            "internet can invoke this function. Use AWS_IAM, or set allowPublic if the "
            "endpoint is meant to be public."
        )


POLICY = ResourceValidationPolicy(
    name="function-url-auth",
    description=(
        "Lambda Function URLs should use authorizationType AWS_IAM (signed callers); a public "
        "(NONE) URL needs config allowPublic."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowPublic": {
                "type": "boolean",
                "default": False,
                "description": "Whether a Function URL may be public (authorizationType NONE).",
            }
        }
    ),
)
