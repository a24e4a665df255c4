"""Config of the safe Lambda releases: triggers per function, and how CodeDeploy shifts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.stack_config import (
    LAMBDA_DEPLOYMENT_CONFIGS,
    StackConfig,
    parse_config,
    schedule_expression_problem,
)


def parse(functions: list[dict[str, Any]] | None = None, **raw: Any) -> StackConfig:
    values = {"lambdaFunctions": functions or [{"name": "api", "command": ["api.handler"]}]}
    values.update(raw)
    return parse_config({k: json.dumps(v) for k, v in values.items()}, "cd", "dev")


def test_defaults_are_all_at_once_with_alarms_at_one() -> None:
    config = parse()
    deployment = config.lambda_deployment
    assert deployment.deployment_config == "CodeDeployDefault.LambdaAllAtOnce"
    alarms = deployment.alarms
    assert (alarms.errors_threshold, alarms.throttles_threshold) == (1, 1)
    assert (alarms.period_seconds, alarms.evaluation_periods) == (60, 1)
    (function,) = config.lambda_functions
    assert (function.schedule, function.schedule_timezone, function.url) == (None, "UTC", None)


def test_triggers_and_a_canary_are_read() -> None:
    config = parse(
        [
            {"name": "nightly", "command": ["jobs.handler"], "schedule": "cron(0 18 * * ? *)",
             "scheduleTimezone": "Asia/Tokyo"},
            {"name": "api", "command": ["api.handler"], "url": {"auth": "NONE"}},
        ],
        lambdaDeployment={
            "deploymentConfig": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
            "alarms": {"errorsThreshold": 5, "periodSeconds": 300, "evaluationPeriods": 2},
        },
    )  # fmt: skip
    nightly, api = config.lambda_functions
    assert (nightly.schedule, nightly.schedule_timezone) == ("cron(0 18 * * ? *)", "Asia/Tokyo")
    assert api.url is not None
    assert api.url.auth == "NONE"
    assert config.lambda_deployment.alarms.errors_threshold == 5
    names = {n.name for n in config.physical_names}
    assert {
        "cd-dev-nightly",
        "cd-dev-nightly-schedule",
        "cd-dev-lambda",
        "cd-dev-codedeploy",
    } <= names
    assert {"cd-dev-api-live-errors", "cd-dev-api-live-throttles"} <= names
    assert "cd-dev-api-schedule" not in names  # api has no schedule, so no schedule role


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("cron(0 18 * * ? *)", None),
        ("cron(0/15 9-17 ? * MON-FRI *)", None),
        ("rate(1 hour)", None),
        ("rate(15 minutes)", None),
        ("at(2027-01-01T09:00:00)", None),
        ("rate(1 hours)", "singular unit"),
        ("rate(5 minute)", "singular unit"),
        ("rate(0 minutes)", "expected cron"),
        ("cron(0 18 * * *)", "6 fields"),
        ("cron(0 18 1 * MON *)", "'?'"),
        ("at(2027-01-01)", "expected cron"),
        ("every day", "expected cron"),
    ],
)
def test_schedule_expressions_follow_schedulers_rules(expression: str, problem: str | None) -> None:
    found = schedule_expression_problem(expression)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


@pytest.mark.parametrize(
    ("functions", "deployment", "message"),
    [
        ([{"name": "a", "command": ["x"], "schedule": "daily"}], None,
         "lambdaFunctions[0][schedule]"),
        ([{"name": "a", "command": ["x"], "scheduleTimezone": "Mars/Olympus"}], None,
         "IANA time zone"),
        ([{"name": "a", "command": ["x"], "url": {"auth": "PUBLIC"}}], None, "url"),
        ([{"name": "a", "command": ["x"], "url": {"auht": "NONE"}}], None, "did you mean auth"),
        (None, {"deploymentConfig": "LambdaCanary10Percent5Minutes"}, "predefined Lambda configs"),
        (None, {"deploymentConfig": "CodeDeployDefault.AllAtOnce"}, "predefined Lambda configs"),
        (None, {"alarms": {"periodSeconds": 90}}, "multiple of 60"),
        (None, {"alarms": {"errorsThreshold": 0}}, "errorsThreshold"),
        (None, {"alarm": {}}, "did you mean alarms"),
    ],
)  # fmt: skip
def test_bad_values_name_the_field(
    functions: list[dict[str, Any]] | None, deployment: dict[str, Any] | None, message: str
) -> None:
    raw = {} if deployment is None else {"lambdaDeployment": deployment}
    with pytest.raises(ConfigError) as caught:
        parse(functions, **raw)
    assert message in str(caught.value)


def test_every_predefined_config_is_accepted() -> None:
    for name in LAMBDA_DEPLOYMENT_CONFIGS:
        assert (
            parse(lambdaDeployment={"deploymentConfig": name}).lambda_deployment.deployment_config
            == name
        )


def test_a_long_function_name_fails_on_its_schedule_name() -> None:
    # The function name (57 characters) and its role (62) fit; the schedule role (66) does not.
    long = "a" * 32
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "lambdaFunctions": json.dumps(
                    [{"name": long, "command": ["x"], "schedule": "rate(1 day)"}]
                )
            },
            "abcdefghijklmnopqrst",  # prefix of 24 characters
            "dev",
        )
    assert "schedule role" in str(caught.value)
