"""CodeDeploy for the aliases: the application, a group and two alarms per function, the role."""

from __future__ import annotations

import pytest

from infra_pulumi.plan import Plan
from tests.infra.conftest import RunProgram, policy

DEV_FUNCTIONS = ("nightly-report", "api")


def test_one_lambda_application(first_deploy_plan: Plan) -> None:
    (application,) = first_deploy_plan.of_type("aws:codedeploy/application:Application")
    assert application.inputs["name"] == "container-delivery-dev-lambda"
    assert application.inputs["computePlatform"] == "Lambda"


def test_a_group_per_function_rolls_back_on_failure_and_alarm(first_deploy_plan: Plan) -> None:
    groups = {
        g.inputs["deploymentGroupName"]: g
        for g in first_deploy_plan.of_type("aws:codedeploy/deploymentGroup:DeploymentGroup")
    }
    assert set(groups) == {f"container-delivery-dev-{short}" for short in DEV_FUNCTIONS}
    for short in DEV_FUNCTIONS:
        group = groups[f"container-delivery-dev-{short}"]
        assert group.inputs["appName"] == "container-delivery-dev-lambda"
        assert group.inputs["deploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce"
        assert group.inputs["deploymentStyle"] == {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        }
        assert group.inputs["autoRollbackConfiguration"] == {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        }
        alarms = group.inputs["alarmConfiguration"]
        assert alarms["enabled"] is True
        assert alarms["alarms"] == [
            f"container-delivery-dev-{short}-live-errors",
            f"container-delivery-dev-{short}-live-throttles",
        ]
        assert group.inputs["serviceRoleArn"] == (
            "arn:aws:iam::123456789012:role/container-delivery-dev-codedeploy"
        )
        # The group shifts the alias: the alias exists first.
        alias = first_deploy_plan.named(f"{short}-alias")
        assert alias.urn in group.dependencies, group.urn


def test_production_shifts_with_a_canary(prod_plan: Plan) -> None:
    for group in prod_plan.of_type("aws:codedeploy/deploymentGroup:DeploymentGroup"):
        assert group.inputs["deploymentConfigName"] == (
            "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        ), group.urn


def test_codedeploy_role_has_the_managed_lambda_policy(first_deploy_plan: Plan) -> None:
    role = first_deploy_plan.named("lambda-deployments-role")
    assert role.inputs["name"] == "container-delivery-dev-codedeploy"
    assert policy(role, "assumeRolePolicy")["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codedeploy.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    attachment = first_deploy_plan.named("lambda-deployments-managed")
    assert attachment.inputs["role"] == "container-delivery-dev-codedeploy"
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
    )


def test_the_managed_policy_arn_follows_the_partition() -> None:
    from infra_pulumi.components.lambda_deployment import codedeploy_for_lambda_policy

    assert codedeploy_for_lambda_policy("aws-cn") == (
        "arn:aws-cn:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
    )


@pytest.mark.parametrize(
    ("metric", "metric_name"), [("errors", "Errors"), ("throttles", "Throttles")]
)
def test_alarms_watch_the_alias_with_the_default_thresholds(
    first_deploy_plan: Plan, metric: str, metric_name: str
) -> None:
    alarms = {
        a.inputs["name"]: a
        for a in first_deploy_plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert len(alarms) == 4
    alarm = alarms[f"container-delivery-dev-api-live-{metric}"]
    assert alarm.inputs["namespace"] == "AWS/Lambda"
    assert alarm.inputs["metricName"] == metric_name
    assert alarm.inputs["statistic"] == "Sum"
    assert alarm.inputs["dimensions"] == {
        "FunctionName": "container-delivery-dev-api",
        "Resource": "container-delivery-dev-api:live",
    }
    assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm.inputs["threshold"] == 1
    assert alarm.inputs["period"] == 60
    assert alarm.inputs["evaluationPeriods"] == 1
    assert alarm.inputs["treatMissingData"] == "notBreaching"


def test_alarm_thresholds_come_from_config(run_program: RunProgram) -> None:
    plan = run_program(
        config={
            "lambdaDeployment": {
                "deploymentConfig": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
                "alarms": {
                    "errorsThreshold": 5,
                    "throttlesThreshold": 3,
                    "periodSeconds": 120,
                    "evaluationPeriods": 2,
                },
            }
        }
    )
    alarms = {
        a.inputs["name"]: a.inputs for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    errors = alarms["container-delivery-dev-api-live-errors"]
    throttles = alarms["container-delivery-dev-api-live-throttles"]
    assert (errors["threshold"], throttles["threshold"]) == (5, 3)
    for alarm in (errors, throttles):
        assert (alarm["period"], alarm["evaluationPeriods"]) == (120, 2)
    for group in plan.of_type("aws:codedeploy/deploymentGroup:DeploymentGroup"):
        assert group.inputs["deploymentConfigName"] == (
            "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
        )
