"""CodeDeploy for the functions' aliases: one application, a deployment group and two alarms
per function, and CodeDeploy's service role.

A release (the app's release tool) publishes a version and starts one CodeDeploy deployment
per function; CodeDeploy shifts the ``live`` alias to it in the steps of the group's
deployment config (all at once, canary or linear). If either alarm of that alias goes to
ALARM during the shift, or the deployment fails, CodeDeploy stops it and moves the alias
back, on the server side, even if the pipeline that started it is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role
from infra_pulumi.naming import ALARM_METRICS, LIVE_ALIAS
from infra_pulumi.stack_config import DeploymentAlarmsConfig

#: The Lambda metric each alarm watches (CloudWatch User Guide, "Lambda metrics").
ALARM_METRIC_NAMES: Mapping[str, str] = {"errors": "Errors", "throttles": "Throttles"}

#: What ``rollback`` deploys with, whatever the groups' config: back in seconds.
ROLLBACK_DEPLOYMENT_CONFIG = "CodeDeployDefault.LambdaAllAtOnce"

#: Events on which CodeDeploy moves the alias back to the version it served before.
ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")


def codedeploy_for_lambda_policy(partition: str) -> str:
    """AWS's managed policy for CodeDeploy's Lambda deployments, in this partition.

    The Limited one: it differs from AWSCodeDeployRoleForLambda only by ``sns:Publish``
    on any topic, which deployment-group triggers need and this stack configures none
    (AWS managed policy reference). CDK's LambdaDeploymentGroup attaches the same.
    """
    return f"arn:{partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"


@dataclass
class DeployedFunction:
    """One function whose alias CodeDeploy shifts."""

    function_name: pulumi.Input[str]
    deployment_group_name: str
    alarm_names: Mapping[str, str]
    """``errors`` and ``throttles`` -> the physical alarm name (from ``Naming.alarm``)."""
    dependencies: list[pulumi.Resource]
    """The alias must exist before a group that shifts it (and the alarms that watch it)."""


@dataclass
class LambdaDeploymentsArgs:
    """Inputs of ``LambdaDeployments``."""

    application_name: str
    role_name: str
    partition: str
    deployment_config: str
    """A predefined Lambda config, e.g. ``CodeDeployDefault.LambdaCanary10Percent5Minutes``."""
    alarms: DeploymentAlarmsConfig
    functions: Mapping[str, DeployedFunction]
    """Short name -> the function and the names of its group and alarms."""
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary, on each role this creates (permissions_boundary.py)."""


class LambdaDeployments(pulumi.ComponentResource):
    """The CodeDeploy application, its role, and per function a deployment group and alarms."""

    application_name: pulumi.Output[str]
    application_arn: pulumi.Output[str]
    deployment_group_arns: dict[str, pulumi.Output[str]]
    alarm_arns: dict[str, list[pulumi.Output[str]]]

    def __init__(
        self, name: str, args: LambdaDeploymentsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:lambda:LambdaDeployments", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        application = aws.codedeploy.Application(
            f"{name}-application",
            name=args.application_name,
            compute_platform="Lambda",
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            assume_role_policy=assume_role("codedeploy.amazonaws.com"),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        # AWS's managed policy for Lambda deployments (CodeDeploy User Guide, "Create a
        # service role for CodeDeploy"): among others, reading and updating aliases and
        # reading the alarms it watches.
        managed = aws.iam.RolePolicyAttachment(
            f"{name}-managed",
            role=role.name,
            policy_arn=codedeploy_for_lambda_policy(args.partition),
            opts=child,
        )
        self.deployment_group_arns = {}
        self.alarm_arns = {}
        for short, function in args.functions.items():
            alarms = [
                self._alarm(f"{name}-{short}-{metric}", function, metric, args.alarms)
                for metric in ALARM_METRICS
            ]
            group = aws.codedeploy.DeploymentGroup(
                f"{name}-{short}",
                app_name=application.name,
                deployment_group_name=function.deployment_group_name,
                service_role_arn=role.arn,
                deployment_config_name=args.deployment_config,
                # The only style CodeDeploy offers for Lambda: a new version, and traffic
                # shifted to it by the alias's weights.
                deployment_style=aws.codedeploy.DeploymentGroupDeploymentStyleArgs(
                    deployment_type="BLUE_GREEN", deployment_option="WITH_TRAFFIC_CONTROL"
                ),
                auto_rollback_configuration=aws.codedeploy.DeploymentGroupAutoRollbackConfigurationArgs(
                    enabled=True, events=list(ROLLBACK_EVENTS)
                ),
                alarm_configuration=aws.codedeploy.DeploymentGroupAlarmConfigurationArgs(
                    enabled=True,
                    alarms=[alarm.name for alarm in alarms],
                    # A deployment must not go on when CodeDeploy cannot read an alarm.
                    ignore_poll_alarm_failure=False,
                ),
                # CodeDeploy acts as the role: its policy is attached before any deployment.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[managed, *function.dependencies]
                ),
            )
            self.deployment_group_arns[short] = group.arn
            self.alarm_arns[short] = [alarm.arn for alarm in alarms]
        self.application_name = application.name
        self.application_arn = application.arn
        self.register_outputs(
            {"application_name": self.application_name, "application_arn": self.application_arn}
        )

    def _alarm(
        self,
        resource_name: str,
        function: DeployedFunction,
        metric: str,
        config: DeploymentAlarmsConfig,
    ) -> aws.cloudwatch.MetricAlarm:
        """One alarm on the alias: Sum of the metric >= threshold in a period stops a shift.

        The ``Resource`` dimension ``<function>:live`` counts only invocations through the
        alias (both versions while traffic is split), not ``$LATEST`` or a version called
        directly. No invocations is no data, which must not stop a release: notBreaching.
        """
        threshold = config.errors_threshold if metric == "errors" else config.throttles_threshold
        metric_name = ALARM_METRIC_NAMES[metric]
        return aws.cloudwatch.MetricAlarm(
            resource_name,
            name=function.alarm_names[metric],
            alarm_description=pulumi.Output.format(
                "{0} of {1}:{2}: ALARM stops a CodeDeploy deployment and rolls the alias back.",
                metric_name,
                function.function_name,
                LIVE_ALIAS,
            ),
            namespace="AWS/Lambda",
            metric_name=metric_name,
            statistic="Sum",
            dimensions={
                "FunctionName": function.function_name,
                "Resource": pulumi.Output.concat(function.function_name, ":", LIVE_ALIAS),
            },
            period=config.period_seconds,
            evaluation_periods=config.evaluation_periods,
            threshold=threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            opts=pulumi.ResourceOptions(parent=self, depends_on=function.dependencies),
        )
