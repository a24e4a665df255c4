"""In a stack that requires a release, every Lambda function publishes versions behind an alias."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails._common import RELEASE_SCHEMA, Report, requires_release

FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"


def validate(args: StackValidationArgs, report: Report) -> None:
    if not requires_release(args.get_config()):
        args.not_applicable("this stack does not require a release")
    # An alias names its function by name or by ARN (the provider accepts both).
    aliased = {str(r.props.get("functionName")) for r in args.resources if r.resource_type == ALIAS}
    for function in args.resources:
        if function.resource_type != FUNCTION:
            continue
        # The name is known before the function exists; its ARN only afterwards.
        key = "name" if "name" in function.props else "arn"
        names = {str(function.props.get(key))}
        if function.props.get("publish") is not True:
            report(
                "publish is not true: without published versions nothing can be released "
                "or rolled back.",
                function.urn,
            )
        if not names & aliased:
            report("no alias points at this function: invokers would call $LATEST.", function.urn)


POLICY = StackValidationPolicy(
    name="lambda-release-alias",
    description=(
        "In a stack that requires a release, every Lambda function must set publish=true and "
        "have an alias (e.g. live) that invokers call, so traffic moves only by a release."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(properties=dict(RELEASE_SCHEMA)),
)
