"""Safe Lambda releases the CDK way: a ``live`` alias, CodeDeploy, alarms and triggers.

Written from CDK's ``aws_codedeploy`` and ``aws_lambda`` documentation ("Deploying
Lambda with CodeDeploy"): the alias points at ``fn.current_version``, and a
``LambdaDeploymentGroup`` on it makes every ``cdk deploy`` that publishes a new version
shift the alias through CodeDeploy (CloudFormation's ``CodeDeployLambdaAliasUpdate``
update policy), stopped and rolled back by the alias's alarms. The Pulumi program
shifts in its release tool instead (README, "Comparing with the CDK reference").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from cdk_parity.reference.config import DeploymentAlarmsConfig, LambdaFunctionConfig, StackConfig
from cdk_parity.reference.naming import LIVE_ALIAS, Naming

#: The stack config's predefined CodeDeploy configs (CodeDeploy User Guide, "Deployment
#: configurations on an AWS Lambda compute platform") as CDK's constants.
DEPLOYMENT_CONFIGS: Mapping[str, codedeploy.ILambdaDeploymentConfig] = {
    "CodeDeployDefault.LambdaAllAtOnce": codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
    "CodeDeployDefault.LambdaCanary10Percent5Minutes": (
        codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES
    ),
    "CodeDeployDefault.LambdaCanary10Percent10Minutes": (
        codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_10_MINUTES
    ),
    "CodeDeployDefault.LambdaCanary10Percent15Minutes": (
        codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_15_MINUTES
    ),
    "CodeDeployDefault.LambdaCanary10Percent30Minutes": (
        codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_30_MINUTES
    ),
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": (
        codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE
    ),
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes": (
        codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_2_MINUTES
    ),
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes": (
        codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_3_MINUTES
    ),
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes": (
        codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_10_MINUTES
    ),
}


def deployment_config(name: str) -> codedeploy.ILambdaDeploymentConfig:
    """CDK's constant for a predefined config name (the config model validated it)."""
    return DEPLOYMENT_CONFIGS[name]


def service_role(scope: Construct, construct_id: str, *, role_name: str) -> iam.Role:
    """One CodeDeploy service role for every deployment group of the stack, as SAM's
    ``DeploymentPreference`` shares one. Each ``LambdaDeploymentGroup`` given it attaches
    the AWS managed policy CDK chooses for Lambda deployments itself."""
    return iam.Role(
        scope,
        construct_id,
        role_name=role_name,
        assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
    )


class LiveRelease(Construct):
    """A function's ``live`` alias, its alarms, its deployment group and its triggers."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        settings: LambdaFunctionConfig,
        naming: Naming,
        application: codedeploy.ILambdaApplication,
        deployment_config_name: str,
        alarms: DeploymentAlarmsConfig,
        role: iam.IRole,
    ) -> None:
        super().__init__(scope, construct_id)
        short = settings.name
        # current_version publishes a new AWS::Lambda::Version whenever the function's
        # code or configuration changes; the alias starts on it.
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=LIVE_ALIAS, version=function.current_version
        )
        self.alarms = [
            self._alarm(metric, naming.alarm(short, metric), function, alarms)
            for metric in ("errors", "throttles")
        ]
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            application=application,
            deployment_group_name=naming.deployment_group(short),
            alias=self.alias,
            deployment_config=deployment_config(deployment_config_name),
            alarms=self.alarms,
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, deployment_in_alarm=True
            ),
            role=role,
        )
        self.schedule = self._schedule(settings, naming, function)
        self.url: lambda_.FunctionUrl | None = None
        if settings.url is not None:
            self.url = self.alias.add_function_url(
                auth_type=(
                    lambda_.FunctionUrlAuthType.NONE
                    if settings.url.auth == "NONE"
                    else lambda_.FunctionUrlAuthType.AWS_IAM
                )
            )

    def _alarm(
        self,
        metric: str,
        alarm_name: str,
        function: lambda_.Function,
        alarms: DeploymentAlarmsConfig,
    ) -> cloudwatch.Alarm:
        """The alias's errors or throttles, summed per period: a breach stops the shift."""
        period = Duration.seconds(alarms.period_seconds)
        return cloudwatch.Alarm(
            self,
            f"{metric.capitalize()}Alarm",
            alarm_name=alarm_name,
            alarm_description=f"{metric} of {function.function_name}:{LIVE_ALIAS} stop "
            "and roll back its deployment",
            # An alias's metrics carry FunctionName and Resource=<function>:<alias>.
            metric=(
                self.alias.metric_errors(period=period, statistic="Sum")
                if metric == "errors"
                else self.alias.metric_throttles(period=period, statistic="Sum")
            ),
            threshold=(
                alarms.errors_threshold if metric == "errors" else alarms.throttles_threshold
            ),
            evaluation_periods=alarms.evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No invocations in a period is no evidence of a bad release.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _schedule(
        self, settings: LambdaFunctionConfig, naming: Naming, function: lambda_.Function
    ) -> scheduler.Schedule | None:
        if settings.schedule is None:
            return None
        short = settings.name
        return scheduler.Schedule(
            self,
            "Schedule",
            schedule_name=naming.schedule(short),
            schedule=scheduler.ScheduleExpression.expression(
                settings.schedule, TimeZone.of(settings.schedule_timezone)
            ),
            # The target grants the role lambda:InvokeFunction on the alias only.
            target=targets.LambdaInvoke(
                self.alias, role=self._schedule_role(naming.schedule_role(short))
            ),
            description=f"Invokes {function.function_name}:{LIVE_ALIAS}",
        )

    def _schedule_role(self, role_name: str) -> iam.Role:
        """The role the schedule assumes; EventBridge Scheduler's execution-role trust
        policy (Scheduler User Guide), limited to schedules of this account."""
        account = Stack.of(self).account
        return iam.Role(
            self,
            "ScheduleRole",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            ),
        )


@dataclass(frozen=True)
class LambdaReleases:
    """The stack's CodeDeploy application and each function's release, by short name."""

    application: codedeploy.LambdaApplication
    releases: Mapping[str, LiveRelease]


def lambda_releases(
    scope: Construct, config: StackConfig, functions: Mapping[str, lambda_.Function]
) -> LambdaReleases:
    """One application and one service role for the stack; a live release per function."""
    names = config.naming
    application = codedeploy.LambdaApplication(
        scope, "CodeDeployApplication", application_name=names.codedeploy_application
    )
    role = service_role(scope, "CodeDeployRole", role_name=names.codedeploy_role)
    releases = {
        fn.name: LiveRelease(
            scope,
            f"Release-{fn.name}",
            function=functions[fn.name],
            settings=fn,
            naming=names,
            application=application,
            deployment_config_name=config.lambda_deployment.deployment_config,
            alarms=config.lambda_deployment.alarms,
            role=role,
        )
        for fn in config.lambda_functions
    }
    return LambdaReleases(application, releases)
