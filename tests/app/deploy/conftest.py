"""Fixtures for the release tool: fake credentials, moto, and a fake infra stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from app.deploy.clients import AwsClients
from app.deploy.manifest import DeployManifest, parse_manifest
from app.deploy.release import Releaser, WaitPolicy
from app.deploy.retry import RetryPolicy

from .fakes import NEW, OLD, REGION, FakeStack


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, and nothing that could reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "DEPLOY_MANIFEST_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # Make moto's Lambda check the image exists in ECR, as real Lambda does.
    monkeypatch.setenv("MOTO_LAMBDA_STUB_ECR", "false")


@pytest.fixture
def stack(aws_env: None) -> Iterator[FakeStack]:
    """An empty fake stack in moto; tests add images to it."""
    with mock_aws():
        yield FakeStack(boto3.Session(region_name=REGION))


@pytest.fixture
def sleeps() -> list[float]:
    """Every pause the retry and wait policies asked for (nothing really sleeps)."""
    return []


@pytest.fixture
def events() -> list[tuple[str, str]]:
    """Every progress event, as (target, message)."""
    return []


@pytest.fixture
def make_releaser(stack: FakeStack, sleeps: list[float], events: list[tuple[str, str]]) -> Any:
    """Build a Releaser over the fake stack, with any client swapped for a faulty one."""

    def make(*, max_concurrency: int = 4, progress: Any = None, **clients: Any) -> Releaser:
        aws = AwsClients(
            ssm=clients.get("ssm", stack.ssm),
            ecr=clients.get("ecr", stack.ecr),
            lambda_=clients.get("lambda_", stack.lambda_),
            ecs=clients.get("ecs", stack.ecs),
        )
        return Releaser(
            aws,
            manifest(stack),
            progress=progress or (lambda target, message: events.append((target, message))),
            retry=RetryPolicy(sleep=sleeps.append),
            wait=WaitPolicy(sleep=sleeps.append),
            max_concurrency=max_concurrency,
        )

    return make


def manifest(stack: FakeStack) -> DeployManifest:
    value = stack.ssm.get_parameter(Name=stack.manifest_parameter)["Parameter"]["Value"]
    return parse_manifest(value)


@pytest.fixture
def released(stack: FakeStack, make_releaser: Any) -> FakeStack:
    """Image "lambda" with 5 functions, OLD released everywhere, NEW pushed but not released."""
    stack.add_image("lambda", functions=5)
    stack.push("lambda", OLD)
    stack.push("lambda", NEW)
    make_releaser().release("lambda", OLD, imagedefinitions=None)
    assert stack.state("lambda") == {
        "tag": OLD,
        "functions": {fn: stack.uri("lambda", OLD) for fn in stack.functions("lambda")},
    }
    return stack
