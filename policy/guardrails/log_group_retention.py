"""CloudWatch log groups expire their events after a retention no shorter than the team's floor."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def validate(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != LOG_GROUP:
        return
    floor = int(args.get_config().get("minimumRetentionDays", 14))
    days = args.props.get("retentionInDays")
    if not days:  # absent or 0: CloudWatch keeps the events forever
        report(f"retentionInDays is not set: events never expire; set at least {floor}.")
    elif int(days) < floor:
        report(f"retentionInDays is {int(days)}, below the floor of {floor} days.")


POLICY = ResourceValidationPolicy(
    name="log-group-retention",
    description=(
        "CloudWatch log groups must set retentionInDays, at least the configured floor "
        "(config minimumRetentionDays)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "minimumRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "default": 14,
                "description": "The shortest retention a log group may have, in days.",
            }
        }
    ),
)
