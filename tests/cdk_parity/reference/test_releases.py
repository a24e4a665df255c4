"""Safe Lambda releases in the CDK reference (issue 14), on the synthesized templates.

Expected values come from the issue, SPEC's AWS behaviour and CDK's and AWS's
documentation: a ``live`` alias on the function's current version, one CodeDeploy
application, a deployment group per function with the stack's config (dev all at once,
prod a canary), two alarms per alias that stop and roll back, and triggers on the alias.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk_parity.compare.intrinsics import Renderer

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
PREFIX = "container-delivery-prod"
FUNCTIONS = ("api", "nightly-report")


def _one(template: Template, typ: str, props: dict[str, Any]) -> tuple[str, Mapping[str, Any]]:
    found = template.find_resources(typ, {"Properties": Match.object_like(props)})
    assert len(found) == 1, f"expected one {typ} with {props}, found {sorted(found)}"
    return next(iter(found.items()))


def _function_id(template: Template, name: str) -> str:
    logical, _ = _one(template, "AWS::Lambda::Function", {"FunctionName": name})
    return logical


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(
    request: pytest.FixtureRequest, dev_template: Template, prod_template: Template
) -> tuple[str, Template]:
    return request.param, dev_template if request.param == "dev" else prod_template


def test_each_function_has_a_live_alias_on_its_current_version(
    stack: tuple[str, Template],
) -> None:
    name, template = stack
    template.resource_count_is("AWS::Lambda::Alias", len(FUNCTIONS))
    template.resource_count_is("AWS::Lambda::Version", len(FUNCTIONS))
    for short in FUNCTIONS:
        function = _function_id(template, f"container-delivery-{name}-{short}")
        version, _ = _one(template, "AWS::Lambda::Version", {"FunctionName": {"Ref": function}})
        _, alias = _one(
            template,
            "AWS::Lambda::Alias",
            {"FunctionName": {"Ref": function}, "Name": "live"},
        )
        assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
        # CloudFormation hands a change of the alias's version to CodeDeploy (cdk deploy).
        group, _ = _one(
            template,
            "AWS::CodeDeploy::DeploymentGroup",
            {"DeploymentGroupName": f"container-delivery-{name}-{short}"},
        )
        update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert update["DeploymentGroupName"] == {"Ref": group}


@pytest.mark.parametrize(
    ("stack_name", "config"),
    [
        ("dev", "CodeDeployDefault.LambdaAllAtOnce"),
        ("prod", "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
    ],
)
def test_deployment_groups_use_the_stack_config_and_roll_back_on_failure_and_alarm(
    stack_name: str, config: str, dev_template: Template, prod_template: Template
) -> None:
    template = dev_template if stack_name == "dev" else prod_template
    prefix = f"container-delivery-{stack_name}"
    application, _ = _one(
        template,
        "AWS::CodeDeploy::Application",
        {"ApplicationName": f"{prefix}-lambda", "ComputePlatform": "Lambda"},
    )
    role, _ = _one(template, "AWS::IAM::Role", {"RoleName": f"{prefix}-codedeploy"})
    template.resource_count_is("AWS::CodeDeploy::DeploymentGroup", len(FUNCTIONS))
    for short in FUNCTIONS:
        errors, _ = _one(
            template, "AWS::CloudWatch::Alarm", {"AlarmName": f"{prefix}-{short}-live-errors"}
        )
        throttles, _ = _one(
            template, "AWS::CloudWatch::Alarm", {"AlarmName": f"{prefix}-{short}-live-throttles"}
        )
        template.has_resource_properties(
            "AWS::CodeDeploy::DeploymentGroup",
            {
                "ApplicationName": {"Ref": application},
                "DeploymentGroupName": f"{prefix}-{short}",
                "DeploymentConfigName": config,
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
                    "Alarms": [{"Name": {"Ref": errors}}, {"Name": {"Ref": throttles}}],
                },
                "ServiceRoleArn": {"Fn::GetAtt": [role, "Arn"]},
            },
        )


def test_one_codedeploy_service_role_with_the_managed_policy_cdk_chooses(
    prod_template: Template,
) -> None:
    prod_template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "container-delivery-prod-codedeploy",
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "codedeploy.amazonaws.com"},
                    }
                ],
                "Version": "2012-10-17",
            },
            # CDK's LambdaDeploymentGroup attaches the Limited variant (no sns:Publish).
            "ManagedPolicyArns": [
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited",
                        ],
                    ]
                }
            ],
        },
    )


def test_alarms_watch_errors_and_throttles_of_the_alias(stack: tuple[str, Template]) -> None:
    name, template = stack
    template.resource_count_is("AWS::CloudWatch::Alarm", 2 * len(FUNCTIONS))
    for short in FUNCTIONS:
        function = _function_id(template, f"container-delivery-{name}-{short}")
        for metric in ("Errors", "Throttles"):
            template.has_resource_properties(
                "AWS::CloudWatch::Alarm",
                {
                    "AlarmName": f"container-delivery-{name}-{short}-live-{metric.lower()}",
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Statistic": "Sum",
                    "Dimensions": [
                        {"Name": "FunctionName", "Value": {"Ref": function}},
                        {
                            "Name": "Resource",
                            "Value": {"Fn::Join": ["", [{"Ref": function}, ":live"]]},
                        },
                    ],
                    # The stack config's defaults (SPEC-14): 1 in one 60-second period.
                    "Threshold": 1,
                    "Period": 60,
                    "EvaluationPeriods": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "TreatMissingData": "notBreaching",
                },
            )


def test_the_schedule_invokes_the_alias_with_a_role_for_that_alias_only(
    stack: tuple[str, Template],
) -> None:
    name, template = stack
    prefix = f"container-delivery-{name}"
    template.resource_count_is("AWS::Scheduler::Schedule", 1)  # nightly-report only
    function = _function_id(template, f"{prefix}-nightly-report")
    alias, _ = _one(
        template, "AWS::Lambda::Alias", {"FunctionName": {"Ref": function}, "Name": "live"}
    )
    role, _ = _one(
        template,
        "AWS::IAM::Role",
        {
            "RoleName": f"{prefix}-nightly-report-schedule",
            "AssumeRolePolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like(
                            {
                                "Principal": {"Service": "scheduler.amazonaws.com"},
                                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                            }
                        )
                    ]
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "Name": f"{prefix}-nightly-report",
            "ScheduleExpression": "cron(0 18 * * ? *)",
            "ScheduleExpressionTimezone": "UTC",
            "State": "ENABLED",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": Match.object_like(
                {"Arn": {"Ref": alias}, "RoleArn": {"Fn::GetAtt": [role, "Arn"]}}
            ),
        },
    )
    _, policy = _one(template, "AWS::IAM::Policy", {"Roles": [{"Ref": role}]})
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": {"Ref": alias}}
    ]


def test_the_api_has_a_signed_function_url_on_the_alias(stack: tuple[str, Template]) -> None:
    name, template = stack
    function = _function_id(template, f"container-delivery-{name}-api")
    template.resource_count_is("AWS::Lambda::Url", 1)
    template.has_resource_properties(
        "AWS::Lambda::Url",
        {
            "AuthType": "AWS_IAM",
            "Qualifier": "live",
            "TargetFunctionArn": {"Fn::GetAtt": [function, "Arn"]},
        },
    )
    # AWS_IAM: callers need an identity policy; nothing is opened to the public.
    template.resource_count_is("AWS::Lambda::Permission", 0)


def test_the_manifest_names_each_alias_and_its_deployment_group(prod_template: Template) -> None:
    raw = prod_template.to_json()
    _, parameter = _one(
        prod_template, "AWS::SSM::Parameter", {"Name": "/container-delivery/prod/deploy-manifest"}
    )
    document = json.loads(Renderer(raw, ACCOUNT, REGION).render(parameter["Properties"]["Value"]))
    # prod is a promoted stage: schema 4 with its build stage, and its own lock table.
    assert document["schema"] == 4
    assert document["lockTable"] == "container-delivery-prod-release-locks"
    assert document["stage"]["from"]["stack"] == "dev"
    assert document["images"]["lambda"]["lambdaFunctions"] == [
        {
            "name": f"container-delivery-prod-{short}",
            "alias": "live",
            "codeDeployApplication": "container-delivery-prod-lambda",
            "deploymentGroup": f"container-delivery-prod-{short}",
        }
        for short in ("nightly-report", "api")  # the stack file's order
    ]
    assert document["images"]["web"]["lambdaFunctions"] == []


def test_the_app_build_may_publish_and_shift_through_codedeploy(prod_template: Template) -> None:
    """The release tool's calls (SPEC-14), each on the resources it names and no wider: in
    prod, a promoted stage, the promote build releases."""
    raw = prod_template.to_json()
    renderer = Renderer(raw, ACCOUNT, REGION)
    (project,) = [
        p
        for p in raw["Resources"].values()
        if p["Type"] == "AWS::CodeBuild::Project"
        and p["Properties"]["Name"] == "container-delivery-prod-promote"
    ]
    role = project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in raw["Resources"].values()
        if p["Type"] == "AWS::IAM::Policy" and {"Ref": role} in p["Properties"]["Roles"]
        for s in renderer.render(p["Properties"]["PolicyDocument"])["Statement"]
    ]
    granted = {
        (action, resource)
        for s in statements
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        for resource in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    codedeploy = f"arn:aws:codedeploy:{REGION}:{ACCOUNT}"
    group = (
        f"{codedeploy}:deploymentgroup:container-delivery-prod-lambda/container-delivery-prod-api"
    )
    config = f"{codedeploy}:deploymentconfig:CodeDeployDefault.Lambda"
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:container-delivery-prod-api"
    expected = {
        ("lambda:PublishVersion", function),
        ("lambda:GetAlias", f"{function}:live"),
        ("codedeploy:BatchGetDeployments", group),
        ("codedeploy:CreateDeployment", group),
        ("codedeploy:StopDeployment", group),
        ("codedeploy:RegisterApplicationRevision", f"{codedeploy}:application:{PREFIX}-lambda"),
        ("codedeploy:GetDeploymentConfig", f"{config}Canary10Percent5Minutes"),
        ("codedeploy:GetDeploymentConfig", f"{config}AllAtOnce"),  # `rollback` deploys back
    }
    assert expected <= granted, sorted(expected - granted)
    # Only what the release tool calls: it reads no alarm, group or version list.
    assert not [
        g
        for g in granted
        if g[0]
        in (
            "cloudwatch:DescribeAlarms",
            "codedeploy:GetDeploymentGroup",
            "lambda:ListVersionsByFunction",
        )
    ]
    assert not [
        g for g in granted if g[0].startswith(("codedeploy:", "cloudwatch:")) and g[1] == "*"
    ]
