"""Hand-written inputs of both sides for the release kinds: one scheduled function with its
``live`` alias, CodeDeploy group, alarms, schedule and Function URL.

The Pulumi side is written from the pulumi-aws resource schemas (``aws:lambda/alias:Alias``
and the rest, inputs in the plan's camelCase) as the program builds it; the
CloudFormation side is the shape CDK synthesizes (tests/cdk_parity/reference/test_releases.py
checks that shape on the real templates).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from infra_pulumi.plan import Plan, PlannedResource

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
P = "container-delivery-dev"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{P}-nightly-report"
ALIAS_ARN = f"{FUNCTION_ARN}:live"
LIMITED = "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
GENERIC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:live"


def planned(
    typ: str,
    name: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any] | None = None,
    ignore_changes: tuple[str, ...] = (),
) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:dev::container-delivery::{typ}::{name}",
        type=typ,
        name=name,
        custom=True,
        parent="",
        inputs=inputs,
        outputs=outputs or {},
        dependencies=(),
        ignore_changes=ignore_changes,
    )


def _role(name: str, service: str) -> PlannedResource:
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
        f'"Principal":{{"Service":"{service}"}}}}]}}'
    )
    return planned(
        "aws:iam/role:Role",
        name,
        {"name": name, "assumeRolePolicy": trust},
        {"arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"},
    )


def _alarm(metric: str) -> PlannedResource:
    name = f"{P}-nightly-report-live-{metric.lower()}"
    return planned(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        name,
        {
            "name": name,
            "namespace": "AWS/Lambda",
            "metricName": metric,
            "statistic": "Sum",
            "dimensions": {
                "FunctionName": f"{P}-nightly-report",
                "Resource": f"{P}-nightly-report:live",
            },
            "period": 60,
            "evaluationPeriods": 1,
            "threshold": 1,
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "treatMissingData": "notBreaching",
        },
        {"arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"},
    )


def _function_and_alias() -> list[PlannedResource]:
    """The function, publishing; its ``live`` alias, whose version ``pulumi up`` ignores;
    and the alias's two alarms."""
    return [
        planned(
            "aws:lambda/function:Function",
            "nightly-report",
            {"name": f"{P}-nightly-report", "packageType": "Image", "publish": True},
            {"arn": FUNCTION_ARN, "version": "1"},
        ),
        planned(
            "aws:lambda/alias:Alias",
            "nightly-report-live",
            {"name": "live", "functionName": f"{P}-nightly-report", "functionVersion": "1"},
            {"arn": ALIAS_ARN},
            ignore_changes=("functionVersion", "routingConfig"),
        ),
        _alarm("Errors"),
        _alarm("Throttles"),
    ]


def _codedeploy() -> list[PlannedResource]:
    """The CodeDeploy application, its service role, and the function's deployment group."""
    return [
        planned(
            "aws:codedeploy/application:Application",
            "lambda",
            {"name": f"{P}-lambda", "computePlatform": "Lambda"},
        ),
        _role(f"{P}-codedeploy", "codedeploy.amazonaws.com"),
        planned(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "codedeploy-policy",
            {"role": f"{P}-codedeploy", "policyArn": LIMITED},
        ),
        planned(
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            "nightly-report-group",
            {
                "appName": f"{P}-lambda",
                "deploymentGroupName": f"{P}-nightly-report",
                "serviceRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{P}-codedeploy",
                "deploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce",
                "deploymentStyle": {
                    "deploymentOption": "WITH_TRAFFIC_CONTROL",
                    "deploymentType": "BLUE_GREEN",
                },
                "autoRollbackConfiguration": {
                    "enabled": True,
                    "events": ["DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_FAILURE"],
                },
                "alarmConfiguration": {
                    "enabled": True,
                    "alarms": [
                        f"{P}-nightly-report-live-errors",
                        f"{P}-nightly-report-live-throttles",
                    ],
                },
            },
        ),
    ]


def _triggers() -> list[PlannedResource]:
    """The schedule (with its role) and the Function URL, both on the alias."""
    return [
        _role(f"{P}-nightly-report-schedule", "scheduler.amazonaws.com"),
        planned(
            "aws:iam/rolePolicy:RolePolicy",
            "schedule-policy",
            {
                "role": f"{P}-nightly-report-schedule",
                "policy": '{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction",'
                f'"Resource":"{ALIAS_ARN}"}}]}}',
            },
        ),
        planned(
            "aws:scheduler/schedule:Schedule",
            "nightly-report-schedule",
            {
                "name": f"{P}-nightly-report",
                "scheduleExpression": "cron(0 18 * * ? *)",
                "scheduleExpressionTimezone": "UTC",
                "flexibleTimeWindow": {"mode": "OFF"},
                "target": {
                    "arn": ALIAS_ARN,
                    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/{P}-nightly-report-schedule",
                },
            },
        ),
        planned(
            "aws:lambda/functionUrl:FunctionUrl",
            "nightly-report-url",
            {
                "functionName": f"{P}-nightly-report",
                "qualifier": "live",
                "authorizationType": "AWS_IAM",
            },
        ),
    ]


def pulumi_plan(**changes: dict[str, Any]) -> Plan:
    """One scheduled function as the program builds it; ``changes`` override the inputs
    of the resource of that name."""
    resources = [*_function_and_alias(), *_codedeploy(), *_triggers()]
    changed = [
        dataclasses.replace(r, inputs={**r.inputs, **changes[r.name]}) if r.name in changes else r
        for r in resources
    ]
    return Plan(project="container-delivery", stack="dev", resources=changed)


def _cfn_alarm(metric: str) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": f"{P}-nightly-report-live-{metric.lower()}",
            "Namespace": "AWS/Lambda",
            "MetricName": metric,
            "Statistic": "Sum",
            "Dimensions": [
                {"Name": "FunctionName", "Value": {"Ref": "Fn"}},
                {"Name": "Resource", "Value": {"Fn::Join": ["", [{"Ref": "Fn"}, ":live"]]}},
            ],
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    }


#: What CDK synthesizes for the same function (abridged to the compared properties).
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"FunctionName": f"{P}-nightly-report", "PackageType": "Image"},
        },
        "FnCurrentVersionabc": {
            "Type": "AWS::Lambda::Version",
            "Properties": {"FunctionName": {"Ref": "Fn"}},
        },
        "Alias": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "FunctionVersion": {"Fn::GetAtt": ["FnCurrentVersionabc", "Version"]},
                "Name": "live",
            },
            "UpdatePolicy": {
                "CodeDeployLambdaAliasUpdate": {
                    "ApplicationName": {"Ref": "App"},
                    "DeploymentGroupName": {"Ref": "Group"},
                }
            },
        },
        "Errors": _cfn_alarm("Errors"),
        "Throttles": _cfn_alarm("Throttles"),
        "App": {
            "Type": "AWS::CodeDeploy::Application",
            "Properties": {"ApplicationName": f"{P}-lambda", "ComputePlatform": "Lambda"},
        },
        "CodeDeployRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": f"{P}-codedeploy",
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "codedeploy.amazonaws.com"},
                        }
                    ]
                },
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            ["arn:", {"Ref": "AWS::Partition"}, LIMITED.removeprefix("arn:aws")],
                        ]
                    }
                ],
            },
        },
        "Group": {
            "Type": "AWS::CodeDeploy::DeploymentGroup",
            "Properties": {
                "ApplicationName": {"Ref": "App"},
                "DeploymentGroupName": f"{P}-nightly-report",
                "ServiceRoleArn": {"Fn::GetAtt": ["CodeDeployRole", "Arn"]},
                "DeploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce",
                "DeploymentStyle": {
                    "DeploymentType": "BLUE_GREEN",
                    "DeploymentOption": "WITH_TRAFFIC_CONTROL",
                },
                "AutoRollbackConfiguration": {
                    "Enabled": True,
                    "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
                },
                "AlarmConfiguration": {
                    "Enabled": True,
                    "Alarms": [{"Name": {"Ref": "Errors"}}, {"Name": {"Ref": "Throttles"}}],
                },
            },
        },
        "ScheduleRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": f"{P}-nightly-report-schedule",
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "scheduler.amazonaws.com"},
                        }
                    ]
                },
            },
        },
        "ScheduleRolePolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Action": "lambda:InvokeFunction",
                            "Effect": "Allow",
                            "Resource": {"Ref": "Alias"},
                        }
                    ]
                },
                "Roles": [{"Ref": "ScheduleRole"}],
            },
        },
        "Schedule": {
            "Type": "AWS::Scheduler::Schedule",
            "Properties": {
                "Name": f"{P}-nightly-report",
                "ScheduleExpression": "cron(0 18 * * ? *)",
                "ScheduleExpressionTimezone": "UTC",
                "State": "ENABLED",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {
                    "Arn": {"Ref": "Alias"},
                    "RoleArn": {"Fn::GetAtt": ["ScheduleRole", "Arn"]},
                    "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
                },
            },
        },
        "Url": {
            "Type": "AWS::Lambda::Url",
            "Properties": {
                "AuthType": "AWS_IAM",
                "Qualifier": "live",
                "TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]},
            },
            "DependsOn": ["Alias"],
        },
    }
}
