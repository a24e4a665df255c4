"""Schedules and Function URLs from config, each on the function's ``live`` alias."""

from __future__ import annotations

import json

import pytest

from infra_pulumi.plan import Plan
from tests.infra.conftest import RunProgram, policy

ACCOUNT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:ap-northeast-1:{ACCOUNT}:function"


def test_the_nightly_report_runs_on_schedule_through_its_alias(first_deploy_plan: Plan) -> None:
    (schedule,) = first_deploy_plan.of_type("aws:scheduler/schedule:Schedule")
    alias_arn = f"{FUNCTION_ARN}:container-delivery-dev-nightly-report:live"
    assert schedule.inputs["name"] == "container-delivery-dev-nightly-report"
    assert schedule.inputs["groupName"] == "default"
    assert schedule.inputs["scheduleExpression"] == "cron(0 18 * * ? *)"
    assert schedule.inputs["scheduleExpressionTimezone"] == "UTC"
    assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    assert schedule.inputs["target"]["arn"] == alias_arn
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/container-delivery-dev-nightly-report-schedule"
    assert schedule.inputs["target"]["roleArn"] == role_arn


def test_the_schedule_role_may_invoke_only_that_alias(first_deploy_plan: Plan) -> None:
    role = first_deploy_plan.named("nightly-report-schedule-role")
    assert policy(role, "assumeRolePolicy")["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]
    role_policy = first_deploy_plan.named("nightly-report-schedule-policy")
    assert policy(role_policy)["Statement"] == [
        {
            "Sid": "InvokeTheLiveAliasOnly",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": f"{FUNCTION_ARN}:container-delivery-dev-nightly-report:live",
        }
    ]
    schedule = first_deploy_plan.named("nightly-report-schedule-schedule")
    assert role_policy.urn in schedule.dependencies


def test_the_api_has_an_iam_function_url_on_its_alias(first_deploy_plan: Plan) -> None:
    (url,) = first_deploy_plan.of_type("aws:lambda/functionUrl:FunctionUrl")
    assert url.inputs["functionName"] == "container-delivery-dev-api"
    assert url.inputs["qualifier"] == "live"
    assert url.inputs["authorizationType"] == "AWS_IAM"
    # AWS_IAM: callers bring their own permission; nothing is granted to anyone here.
    assert first_deploy_plan.of_type("aws:lambda/permission:Permission") == []


def test_a_public_url_gets_exactly_the_two_public_permissions(run_program: RunProgram) -> None:
    plan = run_program(
        config={
            "lambdaFunctions": [
                {"name": "api", "command": ["api.handler"], "url": {"auth": "NONE"}},
            ]
        }
    )
    (url,) = plan.of_type("aws:lambda/functionUrl:FunctionUrl")
    assert url.inputs["authorizationType"] == "NONE"
    permissions = {
        p.inputs["action"]: p.inputs for p in plan.of_type("aws:lambda/permission:Permission")
    }
    # Lambda User Guide, "Control access to Lambda function URLs": public access needs
    # InvokeFunctionUrl for everyone with auth type NONE, and (since October 2025)
    # InvokeFunction for everyone, only through a function URL. Both on the alias.
    assert permissions["lambda:InvokeFunctionUrl"]["principal"] == "*"
    assert permissions["lambda:InvokeFunctionUrl"]["functionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunction"]["principal"] == "*"
    assert permissions["lambda:InvokeFunction"]["invokedViaFunctionUrl"] is True
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    for permission in permissions.values():
        assert permission["function"] == "container-delivery-dev-api"
        assert permission["qualifier"] == "live"


def test_no_trigger_targets_latest_or_a_version(run_program: RunProgram) -> None:
    plan = run_program(
        config={
            "lambdaFunctions": [
                {
                    "name": "job",
                    "command": ["jobs.handler"],
                    "schedule": "rate(5 minutes)",
                    "scheduleTimezone": "Asia/Tokyo",
                },
                {"name": "api", "command": ["api.handler"], "url": {"auth": "NONE"}},
                {"name": "quiet", "command": ["jobs.handler"]},
            ]
        }
    )
    (schedule,) = plan.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["target"]["arn"].endswith(":container-delivery-dev-job:live")
    assert schedule.inputs["scheduleExpressionTimezone"] == "Asia/Tokyo"
    for resource in plan.of_type("aws:lambda/functionUrl:FunctionUrl") + plan.of_type(
        "aws:lambda/permission:Permission"
    ):
        assert resource.inputs["qualifier"] == "live", resource.urn
    text = json.dumps(
        [
            r.inputs
            for r in plan.resources
            if r.type.startswith(
                ("aws:scheduler/", "aws:lambda/functionUrl", "aws:lambda/permission")
            )
        ]
    )
    assert "$LATEST" not in text
    # The function without a trigger gets none.
    assert len(plan.of_type("aws:scheduler/schedule:Schedule")) == 1
    assert len(plan.of_type("aws:lambda/functionUrl:FunctionUrl")) == 1
    assert plan.outputs["functionUrls"].keys() == {"api"}


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ({"schedule": "cron(0 18 * * *)"}, "cron takes 6 fields"),
        ({"url": {"auth": "PUBLIC"}}, "url"),
    ],
)
def test_bad_triggers_stop_the_program_naming_the_key(
    run_program: RunProgram, function: dict[str, object], message: str
) -> None:
    from infra_pulumi.exceptions import ConfigError

    with pytest.raises(ConfigError, match=message):
        run_program(
            config={"lambdaFunctions": [{"name": "job", "command": ["jobs.handler"], **function}]}
        )
