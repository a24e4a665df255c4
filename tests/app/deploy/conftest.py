"""Fixtures for the release tool: fake credentials, moto, and a fake infra stack.

In-process tests use ``mock_aws``; end-to-end tests (``e2e_stack``, ``deploy``,
``spawn``) run the CLI as a subprocess against one moto server on 127.0.0.1, through
``FaultProxy``. Schema-2 tests (``traffic_stack``) add the CodeDeploy double
(codedeploy_double.py) to the proxy.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from app.deploy.clients import AwsClients
from app.deploy.manifest import DeployManifest, parse_manifest
from app.deploy.release import Releaser, WaitPolicy
from app.deploy.retry import RetryPolicy

from .codedeploy_double import CodeDeployDouble
from .fakes import ALL_AT_ONCE, CANARY, NEW, OLD, REGION, FakeStack
from .faultproxy import FaultProxy
from .moto_aws import install
from .processes import CliProcess
from .promotion_fakes import Stages, make_stages, release_in_dev

if TYPE_CHECKING:
    from app.deploy.lock import LockPolicy


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


@pytest.fixture(scope="session")
def botocore_session() -> botocore.session.Session:
    """One botocore session for every fake stack, so service models are parsed once.

    Creating the four clients of a fresh session took most of each test's setup. Only
    the tests' own clients share it; the code under test gets its clients injected or
    makes its own.
    """
    return botocore.session.get_session()


@pytest.fixture
def stack(aws_env: None, botocore_session: botocore.session.Session) -> Iterator[FakeStack]:
    """An empty fake stack in moto; tests add images to it."""
    with mock_aws():
        yield FakeStack(boto3.Session(botocore_session=botocore_session, region_name=REGION))


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

    def make(
        *,
        max_concurrency: int = 4,
        progress: Any = None,
        lock: LockPolicy | None = None,
        **clients: Any,
    ) -> Releaser:
        # Only what a test sets is passed on, so these fixtures also drive older code
        # (each regression test was run against the code before its fix).
        options: dict[str, Any] = {} if lock is None else {"lock": lock}
        # Schema 4's table lock: the stack's own DynamoDB client unless a test gives one.
        table = {"dynamodb": clients.get("dynamodb", stack.dynamodb)} if stack.lock_table else {}
        aws = AwsClients(
            ssm=clients.get("ssm", stack.ssm),
            ecr=clients.get("ecr", stack.ecr),
            lambda_=clients.get("lambda_", stack.lambda_),
            ecs=clients.get("ecs", stack.ecs),
            **table,
        )
        return Releaser(
            aws,
            manifest(stack),
            progress=progress or (lambda target, message: events.append((target, message))),
            retry=RetryPolicy(sleep=sleeps.append),
            wait=WaitPolicy(sleep=sleeps.append),
            max_concurrency=max_concurrency,
            **options,
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


@pytest.fixture(autouse=True)
def moto_as_aws() -> Iterator[None]:
    """moto with Lambda RevisionIds and atomic SSM writes, as AWS has them (moto_aws.py)."""
    uninstall = install()
    yield
    uninstall()


# -- end to end: the real CLI in a subprocess, over HTTP ------------------------------


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def reset_moto(url: str) -> None:
    """Forget every resource: each test starts from an empty account."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", "/moto-api/reset")
        assert connection.getresponse().status == 200
    finally:
        connection.close()


@pytest.fixture
def proxy(moto_url: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def e2e_stack(
    aws_env: None,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    botocore_session: botocore.session.Session,
) -> FakeStack:
    """Image "lambda" with 4 functions on OLD, and NEW pushed, on a freshly reset server."""
    reset_moto(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    stack = FakeStack(boto3.Session(botocore_session=botocore_session, region_name=REGION))
    stack.add_image("lambda", functions=4)
    stack.push("lambda", OLD)
    stack.push("lambda", NEW)
    parameter = stack.images["lambda"]["tagParameter"]
    stack.ssm.put_parameter(Name=parameter, Value=OLD, Type="String", Overwrite=True)
    for fn in stack.functions("lambda"):
        stack.set_function_image(fn, stack.uri("lambda", OLD))
    return stack


@pytest.fixture
def codedeploy(proxy: FaultProxy, moto_url: str) -> Iterator[CodeDeployDouble]:
    """The CodeDeploy double, answering deployments' calls at the proxy."""
    double = CodeDeployDouble(moto_url)
    proxy.intercept = double
    yield double
    double.close()


@pytest.fixture
def traffic_stack(
    aws_env: None,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    botocore_session: botocore.session.Session,
    codedeploy: CodeDeployDouble,
) -> FakeStack:
    """Schema 2: image "lambda" with 2 functions behind ``live``, canary deployment groups.

    OLD is released (each alias on a version published for it), NEW is pushed.
    """
    return make_traffic_stack(moto_url, monkeypatch, botocore_session, CANARY)


def make_traffic_stack(
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    botocore_session: botocore.session.Session,
    deployment_config: str,
) -> FakeStack:
    """Two functions behind ``live`` on a freshly reset server, OLD released, NEW pushed."""
    reset_moto(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    stack = FakeStack(boto3.Session(botocore_session=botocore_session, region_name=REGION))
    stack.add_image("lambda", functions=2, traffic=True, deployment_config=deployment_config)
    stack.push("lambda", OLD)
    stack.push("lambda", NEW)
    stack.release_directly("lambda", OLD)
    return stack


@pytest.fixture
def table_stack(
    aws_env: None,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    botocore_session: botocore.session.Session,
    codedeploy: CodeDeployDouble,
) -> FakeStack:
    """Schema 4 (issue 24): ``traffic_stack``'s two functions behind ``live``, deployed all
    at once, and the release locks' table; OLD released, NEW pushed."""
    stack = make_traffic_stack(moto_url, monkeypatch, botocore_session, ALL_AT_ONCE)
    stack.use_lock_table()
    return stack


@pytest.fixture
def stages(
    request: pytest.FixtureRequest,
    aws_env: None,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    botocore_session: botocore.session.Session,
    codedeploy: CodeDeployDouble,
) -> Stages:
    """Issue 22: dev (a build stage, another account unless the test's parameter is
    ``same-account``) released OLD then NEW of images lambda (2 functions behind
    ``live``) and web (an ECS service); prod (promoted from dev, schema 3) runs nothing
    of dev's yet (promotion_fakes.py)."""
    reset_moto(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    layout = getattr(request, "param", "cross-account")
    stages = make_stages(
        boto3.Session(botocore_session=botocore_session, region_name=REGION),
        cross_account=layout == "cross-account",
        images={
            "lambda": {"functions": 2, "traffic": True, "deployment_config": ALL_AT_ONCE},
            "web": {"ecs_services": 1},
        },
    )
    for tag in (OLD, NEW):
        for image in ("lambda", "web"):
            release_in_dev(stages, image, tag)
    return stages


@pytest.fixture
def cli_env(request: pytest.FixtureRequest, proxy: FaultProxy) -> dict[str, str]:
    """What a pipeline gives the CLI: only standard AWS_* variables, via the proxy.

    The stack is ``traffic_stack`` or ``table_stack`` when the test asks for it, the
    promoted stage of ``stages`` when it asks for those, else ``e2e_stack``.
    """
    stack: FakeStack
    if "stages" in request.fixturenames:
        stack = request.getfixturevalue("stages").prod
    else:
        asked = [n for n in ("table_stack", "traffic_stack") if n in request.fixturenames]
        stack = request.getfixturevalue(asked[0] if asked else "e2e_stack")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DEPLOY_", "CODEBUILD_"))
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,  # the variable CodeBuild and Lambda set; boto3 alone ignores it
        AWS_ENDPOINT_URL=proxy.url,
        DEPLOY_MANIFEST_PARAMETER=stack.manifest_parameter,
        # Never look for credentials anywhere but here (no ~/.aws, no instance metadata).
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.fixture
def deploy(cli_env: dict[str, str], tmp_path: Path) -> Callable[..., Any]:
    """Run the CLI to completion; keyword arguments override (or, as None, drop) variables."""

    def run(*args: str, **extra_env: str | None) -> subprocess.CompletedProcess[str]:
        env = dict(cli_env)
        for key, value in extra_env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return subprocess.run(
            [sys.executable, "-m", "app.deploy", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def spawn(cli_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., CliProcess]]:
    """Start the CLI without waiting for it; every process is killed at the end."""
    started: list[CliProcess] = []

    def start(*args: str) -> CliProcess:
        process = CliProcess(list(args), dict(cli_env), tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
