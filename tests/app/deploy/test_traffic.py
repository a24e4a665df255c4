"""Schema 2 in process: the AppSpec, what counts as a pending change, and the restore paths.

The release runs in this process (no CLI start-up) against the moto server through the
proxy and the CodeDeploy double, with ``AllAtOnce`` groups so no step waits. As in
test_e2e_traffic.py, images behind an alias are verified through version numbers
(moto reports a version's image as the function's current one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from app.deploy.clients import AwsClients
from app.deploy.deployments import DeploymentWaitPolicy
from app.deploy.exceptions import ReleaseFailedError, RestoreFailedError
from app.deploy.manifest import LambdaTarget
from app.deploy.release import Releaser, WaitPolicy
from app.deploy.retry import RetryPolicy
from app.deploy.traffic import AliasState, appspec, config_differences

from .codedeploy_double import CodeDeployDouble, steps_of
from .conftest import make_traffic_stack, manifest
from .fakes import ALL_AT_ONCE, NEW, OLD, REGION, FakeStack, FaultyClient, client_error

# -- pure pieces ------------------------------------------------------------------------


def test_appspec_is_codedeploys_lambda_format():
    target = LambdaTarget("cd-dev-api", "live", "cd-dev-lambda", "cd-dev-api")

    document = json.loads(appspec(target, "3", "4"))

    # CodeDeploy User Guide, "AppSpec 'resources' section (AWS Lambda deployments only)".
    assert document == {
        "version": 0.0,
        "Resources": [
            {
                "cd-dev-api": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": "cd-dev-api",
                        "Alias": "live",
                        "CurrentVersion": "3",
                        "TargetVersion": "4",
                    },
                }
            }
        ],
    }


BASE: dict[str, Any] = {
    "CodeSha256": "abc",
    "MemorySize": 128,
    "Timeout": 3,
    "Environment": {"Variables": {"A": "1"}},
    "ImageConfigResponse": {"ImageConfig": {"Command": ["jobs.handler"]}},
    "LastModified": "2026-01-01T00:00:00.000+0000",
    "RevisionId": "r1",
    "Version": "$LATEST",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"LastModified": "later", "RevisionId": "r2", "Version": "4"}, []),
        ({"CodeSha256": "def"}, ["code"]),
        ({"MemorySize": 1024}, ["memory"]),
        ({"Timeout": 30}, ["timeout"]),
        ({"Environment": {"Variables": {"A": "2"}}}, ["environment"]),
        ({"Environment": None}, ["environment"]),
        ({"ImageConfigResponse": {"ImageConfig": {"Command": ["api.handler"]}}}, ["image config"]),
        ({"MemorySize": 256, "CodeSha256": "x"}, ["code", "memory"]),
    ],
)
def test_config_differences_name_what_an_infra_change_left_pending(change, expected):
    assert config_differences({**BASE, **change}, BASE) == expected


def test_an_empty_environment_is_no_environment():
    assert (
        config_differences(
            {**BASE, "Environment": {"Variables": {}}}, {**BASE, "Environment": None}
        )
        == []
    )


@pytest.mark.parametrize(
    ("alias", "text", "split"),
    [
        (AliasState("live", "3"), "3", False),
        (AliasState("live", "3", {"4": 0.1}), "3 90% / 4 10%", True),
        (AliasState("live", "3", {"4": 0.0}), "3", False),
    ],
)
def test_alias_state_describes_the_traffic_step(alias, text, split):
    assert alias.describe() == text
    assert alias.split is split


@pytest.mark.parametrize(
    ("config", "steps"),
    [
        ("CodeDeployDefault.LambdaAllAtOnce", [(1.0, 0)]),
        ("CodeDeployDefault.LambdaCanary10Percent5Minutes", [(0.1, 5), (1.0, 0)]),
        (
            "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
            [(p / 10, 1) for p in range(1, 10)] + [(1.0, 0)],
        ),
        (
            "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
            [(p / 10, 3) for p in range(1, 10)] + [(1.0, 0)],
        ),
        ("Custom", None),
    ],
)
def test_the_double_knows_the_predefined_lambda_configs(config, steps):
    # The double's schedule, from CodeDeploy's table of predefined Lambda configs.
    assert steps_of(config) == steps


# -- in process against the double ------------------------------------------------------


@pytest.fixture
def stack(aws_env, moto_url, monkeypatch, botocore_session, codedeploy) -> FakeStack:
    return make_traffic_stack(moto_url, monkeypatch, botocore_session, ALL_AT_ONCE)


@pytest.fixture
def make(stack: FakeStack, proxy, events) -> Callable[..., Releaser]:
    """A Releaser whose clients reach moto through the proxy (and the double)."""

    def build(**faulty: Any) -> Releaser:
        session = boto3.Session(region_name=REGION)
        aws = AwsClients(
            ssm=faulty.get("ssm") or session.client("ssm", endpoint_url=proxy.url),
            ecr=faulty.get("ecr") or session.client("ecr", endpoint_url=proxy.url),
            lambda_=faulty.get("lambda") or session.client("lambda", endpoint_url=proxy.url),
            codedeploy=faulty.get("codedeploy")
            or session.client("codedeploy", endpoint_url=proxy.url),
        )
        return Releaser(
            aws,
            manifest(stack),
            progress=lambda target, message: events.append((target, message)),
            retry=RetryPolicy(sleep=lambda seconds: None),
            wait=WaitPolicy(),
            deployment_wait=DeploymentWaitPolicy(first_delay=0.02, max_delay=0.1),
            max_concurrency=4,
        )

    return build


def state(stack: FakeStack) -> dict[str, Any]:
    return {
        "tag": stack.recorded_tag("lambda"),
        "latest": stack.function_images("lambda"),
        "aliases": {fn: stack.alias(fn) for fn in stack.functions("lambda")},
    }


def test_release_publishes_versions_tagged_and_deploys_all_at_once(stack, make, codedeploy):
    result = make().release("lambda", NEW, imagedefinitions=None)

    assert not result.noop
    for fn in stack.functions("lambda"):
        assert stack.alias(fn) == ("3", {})
        assert stack.version_tag(fn, "3") == NEW
        (deployment,) = codedeploy.of(fn)
        assert deployment.weights == [1.0]
        assert deployment.description.startswith(f"app.deploy release of lambda {NEW} (")


def test_an_alarm_on_one_function_deploys_the_others_back(stack, make, codedeploy, events):
    alarmed, other = stack.functions("lambda")
    stack.set_alarm(alarmed)  # AllAtOnce: the double checks alarms before shifting
    before = state(stack)

    with pytest.raises(ReleaseFailedError) as failure:
        make().release("lambda", NEW, imagedefinitions=None)

    assert state(stack) == before
    assert [d.status for d in codedeploy.of(alarmed)] == ["Stopped"]
    # The other one had succeeded: it was deployed back by a second deployment.
    first, back = codedeploy.of(other)
    assert (first.status, back.status) == ("Succeeded", "Succeeded")
    assert (back.current, back.target, back.config) == ("3", "2", ALL_AT_ONCE)
    assert f"Lambda function {other} (alias live) deployed back to version 2 ({back.id})" in (
        failure.value.restored
    )
    assert f"Lambda function {alarmed} (alias live) back on version 2" in failure.value.restored


def test_someone_elses_change_before_publishing_is_not_published(stack, make, codedeploy):
    victim = stack.functions("lambda")[0]
    lambda_ = boto3.Session(region_name=REGION).client("lambda", endpoint_url=stack_url(stack))

    def conflict(kwargs: dict[str, Any]) -> None:
        # Someone else changes the function between the release's update and its
        # publish: the guarded PublishVersion (RevisionId, CodeSha256) must refuse.
        if kwargs["FunctionName"] == victim:
            stack.lambda_.update_function_configuration(FunctionName=victim, MemorySize=512)

    before = state(stack)
    with pytest.raises(RestoreFailedError) as failure:
        make(**{"lambda": FaultyClient(lambda_, publish_version=conflict)}).release(
            "lambda", NEW, imagedefinitions=None
        )

    assert "changed by someone else" in str(failure.value)
    # Its change is left alone and named; everything else is back.
    (line,) = failure.value.needs_attention
    assert line.startswith(f"Lambda function {victim}: must be set back to")
    after = state(stack)
    assert after["aliases"] == before["aliases"]
    assert after["tag"] == OLD
    assert {fn: uri for fn, uri in after["latest"].items() if fn != victim} == {
        fn: uri for fn, uri in before["latest"].items() if fn != victim
    }
    assert codedeploy.of(victim) == []


def test_a_failed_deploy_back_is_named_with_the_command_to_fix_it(stack, make, codedeploy, proxy):
    alarmed, other = stack.functions("lambda")
    stack.set_alarm(alarmed)
    real = boto3.Session(region_name=REGION).client("codedeploy", endpoint_url=proxy.url)

    def refuse_restores(kwargs: dict[str, Any]) -> None:
        if kwargs.get("description", "").endswith(" restore"):
            raise client_error("InvalidRoleException", "CreateDeployment")

    with pytest.raises(RestoreFailedError) as failure:
        make(codedeploy=FaultyClient(real, create_deployment=refuse_restores)).release(
            "lambda", NEW, imagedefinitions=None
        )

    (line,) = [a for a in failure.value.needs_attention if other in a]
    assert "must serve version 2 again" in line
    assert (
        f"aws lambda update-alias --function-name {other} --name live --function-version 2 "
        "--routing-config 'AdditionalVersionWeights={}'"
    ) in line
    assert stack.alias(alarmed) == ("2", {})  # CodeDeploy rolled that one back


def stack_url(stack: FakeStack) -> str:
    return str(stack.lambda_.meta.endpoint_url)


def test_double_refuses_a_second_active_deployment(stack, proxy, codedeploy: CodeDeployDouble):
    pause = codedeploy.pause()
    client = boto3.Session(region_name=REGION).client("codedeploy", endpoint_url=proxy.url)
    fn = stack.functions("lambda")[0]
    stack.lambda_.update_function_code(FunctionName=fn, ImageUri=stack.uri("lambda", NEW))
    version = stack.lambda_.publish_version(FunctionName=fn)["Version"]
    target = LambdaTarget(fn, "live", stack.application("lambda"), fn)
    request: dict[str, Any] = {
        "applicationName": target.code_deploy_application,
        "deploymentGroupName": target.deployment_group,
        "deploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "revision": {
            "revisionType": "AppSpecContent",
            "appSpecContent": {"content": appspec(target, "2", version)},
        },
    }
    first = client.create_deployment(**request)["deploymentId"]
    pause.wait_arrived()

    with pytest.raises(client.exceptions.DeploymentLimitExceededException):
        client.create_deployment(**request)
    assert client.list_deployments(
        applicationName=target.code_deploy_application,
        deploymentGroupName=target.deployment_group,
        includeOnlyStatuses=["InProgress"],
    )["deployments"] == [first]
    client.stop_deployment(deploymentId=first, autoRollbackEnabled=True)
    codedeploy.wait_all_ended()
    info = client.get_deployment(deploymentId=first)["deploymentInfo"]
    assert info["status"] == "Stopped"
    assert stack.alias(fn) == ("2", {})
