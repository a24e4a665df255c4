"""CodeDeploy for Lambda: one application, and one deployment group per function's alias."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.model import Resource


class CodeDeployApplication(Kind):
    """Its compute platform (``Lambda``), keyed by its name."""

    name = "codedeploy-application"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for application in plan.of("aws:codedeploy/application:Application"):
            props = {"computePlatform": application.inputs.get("computePlatform", "Server")}
            yield plan.resource(self.name, application.inputs["name"], props, application)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::CodeDeploy::Application"):
            normalised = {"computePlatform": props.get("ComputePlatform", "Server")}
            key = props.get("ApplicationName", f"logical:{logical}")
            yield template.resource(self.name, key, normalised, logical)


def _group_props(
    *,
    application: Any,
    config: Any,
    style: Any,
    rollback_enabled: Any,
    rollback_events: Sequence[str] | None,
    alarms_enabled: Any,
    alarms: Sequence[str],
    ignore_poll_failure: Any,
) -> dict[str, Any]:
    return {
        "application": application,
        # CodeDeploy's default when none is given (CodeDeploy API, CreateDeploymentGroup).
        "deploymentConfig": config or "CodeDeployDefault.OneAtATime",
        "deploymentStyle": style,
        "autoRollback": sorted(rollback_events or []) if rollback_enabled else [],
        "alarms": sorted(alarms) if alarms_enabled else [],
        "ignorePollAlarmFailure": bool(ignore_poll_failure),
    }


class DeploymentGroup(Kind):
    """Application, deployment config, style, rollback events, the alarms that stop it.

    Its service role is an ``iam-role`` entry of its own, keyed by the groups that use it
    (``codedeploy-deployment-group:<name> + ...``).
    """

    name = "codedeploy-deployment-group"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for group in plan.of("aws:codedeploy/deploymentGroup:DeploymentGroup"):
            inputs = group.inputs
            style = inputs.get("deploymentStyle", {})
            rollback = inputs.get("autoRollbackConfiguration", {})
            alarms = inputs.get("alarmConfiguration", {})
            props = _group_props(
                application=inputs.get("appName"),
                config=inputs.get("deploymentConfigName"),
                style=f"{style.get('deploymentType')}/{style.get('deploymentOption')}",
                rollback_enabled=rollback.get("enabled"),
                rollback_events=rollback.get("events"),
                alarms_enabled=alarms.get("enabled"),
                alarms=alarms.get("alarms", []),
                ignore_poll_failure=alarms.get("ignorePollAlarmFailure"),
            )
            yield plan.resource(self.name, inputs["deploymentGroupName"], props, group)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::CodeDeploy::DeploymentGroup"):
            style = props.get("DeploymentStyle", {})
            rollback = props.get("AutoRollbackConfiguration", {})
            alarms = props.get("AlarmConfiguration", {})
            normalised = _group_props(
                application=props.get("ApplicationName"),
                config=props.get("DeploymentConfigName"),
                style=f"{style.get('DeploymentType')}/{style.get('DeploymentOption')}",
                rollback_enabled=rollback.get("Enabled"),
                rollback_events=rollback.get("Events"),
                alarms_enabled=alarms.get("Enabled"),
                alarms=[str(a.get("Name")) for a in alarms.get("Alarms", [])],
                ignore_poll_failure=alarms.get("IgnorePollAlarmFailure"),
            )
            key = props.get("DeploymentGroupName", f"logical:{logical}")
            yield template.resource(self.name, key, normalised, logical)
