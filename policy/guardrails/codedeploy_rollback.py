"""CodeDeploy deployment groups stop on alarms and roll back on failure and on alarm."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report, as_list

GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")


def validate(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != GROUP:
        return
    alarms = args.props.get("alarmConfiguration") or {}
    if alarms.get("enabled") is not True or not as_list(alarms.get("alarms")):
        report("alarmConfiguration must be enabled and name at least one CloudWatch alarm.")
    elif alarms.get("ignorePollAlarmFailure") is True:
        report(
            "ignorePollAlarmFailure is true: a deployment would go on when alarms can't be read."
        )
    rollback = args.props.get("autoRollbackConfiguration") or {}
    events = set(as_list(rollback.get("events")))
    missing = [event for event in ROLLBACK_EVENTS if event not in events]
    if rollback.get("enabled") is not True or missing:
        report(
            "autoRollbackConfiguration must be enabled with the events "
            f"{', '.join(ROLLBACK_EVENTS)}"
            + (f" (missing {', '.join(missing)})." if missing else ".")
        )


POLICY = ResourceValidationPolicy(
    name="codedeploy-alarms-rollback",
    description=(
        "CodeDeploy deployment groups must watch at least one alarm and roll back "
        "automatically on DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
)
