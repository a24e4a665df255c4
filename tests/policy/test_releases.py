"""Lambda aliases, CodeDeploy rollback and HTTPS listeners, in stacks that require a release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from tests.policy.conftest import REGISTRY, Check, of, resource

RELEASE = {"releaseStacks": ["test"]}


def function(publish: bool = True) -> object:
    return resource(
        "aws:lambda/function:Function",
        "fn",
        {
            "name": "shop-test-fn",
            "packageType": "Image",
            "imageUri": f"{REGISTRY}/s:abc1234",
            "publish": publish,
        },
    )


def alias(function_name: str = "shop-test-fn") -> object:
    return resource(
        "aws:lambda/alias:Alias",
        "live",
        {"name": "live", "functionName": function_name, "functionVersion": "1"},
    )


def test_a_function_without_alias_or_versions_is_reported_in_a_release_stack(check: Check) -> None:
    config = {"lambda-release-alias": RELEASE}
    found = of(check(function(publish=False), policy_config=config), "lambda-release-alias")
    messages = " ".join(v.message for v in found)
    assert len(found) == 2
    assert "publish" in messages
    assert "no alias" in messages
    assert all(v.urn.endswith("::fn") for v in found)
    assert not of(check(function(), alias(), policy_config=config), "lambda-release-alias")
    assert of(check(function(), alias("another-fn"), policy_config=config), "lambda-release-alias")


def test_the_alias_rule_does_not_apply_where_no_release_is_required(check: Check) -> None:
    assert not of(check(function(publish=False)), "lambda-release-alias")


def group(**inputs: object) -> object:
    base = {
        "appName": "shop-test",
        "deploymentGroupName": "shop-test-fn",
        "alarmConfiguration": {"enabled": True, "alarms": ["shop-test-fn-errors"]},
        "autoRollbackConfiguration": {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
    }
    return resource("aws:codedeploy/deploymentGroup:DeploymentGroup", "group", {**base, **inputs})


@pytest.mark.parametrize(
    "change",
    [
        {"alarmConfiguration": {"enabled": False, "alarms": ["a"]}},
        {"alarmConfiguration": {"enabled": True, "alarms": []}},
        {"alarmConfiguration": {"enabled": True, "alarms": ["a"], "ignorePollAlarmFailure": True}},
        {"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}},
        {
            "autoRollbackConfiguration": {
                "enabled": False,
                "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
            }
        },
    ],
)
def test_deployment_groups_without_alarms_or_rollback_are_reported(
    check: Check, change: dict[str, object]
) -> None:
    assert of(check(group(**change)), "codedeploy-alarms-rollback")
    assert not of(check(group()), "codedeploy-alarms-rollback")


def listener(protocol: str, actions: Sequence[Mapping[str, object]]) -> object:
    return resource(
        "aws:lb/listener:Listener",
        "http",
        {"protocol": protocol, "port": 80, "defaultActions": actions},
    )


FORWARD = [
    {
        "type": "forward",
        "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/t/1",
    }
]
REDIRECT = [
    {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
]


def test_plain_http_is_reported_only_in_a_release_stack(check: Check) -> None:
    config = {"https-listeners": RELEASE}
    found = of(check(listener("HTTP", FORWARD), policy_config=config), "https-listeners")
    assert len(found) == 1
    assert found[0].enforcement == "mandatory"
    assert not of(check(listener("HTTP", REDIRECT), policy_config=config), "https-listeners")
    assert not of(check(listener("HTTPS", FORWARD), policy_config=config), "https-listeners")
    assert not of(check(listener("HTTP", FORWARD)), "https-listeners")
