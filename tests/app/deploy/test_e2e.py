"""End to end: ``python -m app.deploy`` in a subprocess, over HTTP, against a moto server.

The CLI reaches moto through ``FaultProxy`` on 127.0.0.1, using only the standard
``AWS_ENDPOINT_URL``; the proxy injects faults where a test asks for them.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from .fakes import NEW, NEWER, OLD, REGION, FakeStack
from .faultproxy import FaultProxy, Rule, lambda_update, ssm_put_parameter

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
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
def stack(aws_env: None, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> FakeStack:
    """Image "lambda" with 4 functions on OLD, and NEW pushed, on a freshly reset server."""
    reset_moto(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    stack = FakeStack(boto3.Session(region_name=REGION))
    stack.add_image("lambda", functions=4)
    stack.push("lambda", OLD)
    stack.push("lambda", NEW)
    parameter = stack.images["lambda"]["tagParameter"]
    stack.ssm.put_parameter(Name=parameter, Value=OLD, Type="String", Overwrite=True)
    for fn in stack.functions("lambda"):
        stack.set_function_image(fn, stack.uri("lambda", OLD))
    return stack


@pytest.fixture
def deploy(stack: FakeStack, proxy: FaultProxy, tmp_path: Path) -> Any:
    """Run the CLI as a pipeline would: only standard AWS_* variables, via the proxy."""

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
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
        )
        env.update(extra_env)
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


def test_release_status_noop_and_rollback(deploy, stack, tmp_path):
    released = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert released.returncode == 0, released.stderr
    assert json.loads(released.stdout)["previousTag"] == OLD
    assert stack.state("lambda") == {
        "tag": NEW,
        "functions": {fn: stack.uri("lambda", NEW) for fn in stack.functions("lambda")},
    }
    for fn in stack.functions("lambda"):
        assert f"[{fn}] verified" in released.stderr
    assert not (tmp_path / "imagedefinitions.json").exists()  # no ECS targets

    status = deploy("status", "--json")
    assert status.returncode == 0, status.stderr
    (image,) = json.loads(status.stdout)["images"]
    assert [t["drift"] for t in image["targets"]] == [False] * 4

    again = deploy("release", "--image", "lambda", "--tag", NEW, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["noop"] is True

    rollback = deploy("rollback", "--image", "lambda")
    assert rollback.returncode == 0, rollback.stderr
    assert "released aaaaaaa (was bbbbbbb)" in rollback.stdout
    assert set(stack.function_images("lambda").values()) == {stack.uri("lambda", OLD)}
    assert stack.recorded_tag("lambda") == OLD


def test_ecs_targets_get_imagedefinitions_in_the_working_directory(deploy, stack, tmp_path):
    stack.add_image("web", ecs_services=1)
    stack.push("web", NEW)

    run = deploy("release", "--image", "web", "--tag", NEW)

    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "imagedefinitions.json").read_text()) == [
        {"name": "web", "imageUri": stack.uri("web", NEW)}
    ]


def test_exists(deploy):
    assert deploy("exists", "--image", "lambda", "--tag", NEW).returncode == 0
    assert deploy("exists", "--image", "lambda", "--tag", NEWER).returncode == 1


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "tag ccccccc is not in ECR repository demo-test-lambda"),
        ('{"schema": 2}', "has schema 2; this release tool reads schema 1"),
        ('{"schema": 1, "images": []}', "is invalid"),
    ],
)
def test_bad_input_exits_2_and_touches_nothing(deploy, stack, manifest, message):
    before = stack.state("lambda")
    if manifest is not None:
        stack.publish_manifest(manifest)

    run = deploy("release", "--image", "lambda", "--tag", NEWER)

    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert stack.state("lambda") == before


def test_kth_function_update_fails_and_everything_is_restored(deploy, stack, proxy):
    before = stack.state("lambda")
    failing = stack.functions("lambda")[2]
    proxy.add(Rule(lambda_update(failing, NEW), 400, "InvalidParameterValueException"))

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 1, run.stderr
    assert f"Lambda function {failing}: UpdateFunctionCode failed: InvalidParameterValue" in (
        run.stderr
    )
    assert "Restored:" in run.stderr
    assert stack.state("lambda") == before


def test_parameter_put_fails_and_nothing_changes(deploy, stack, proxy):
    before = stack.state("lambda")
    proxy.add(Rule(ssm_put_parameter(NEW), 400, "ValidationException"))

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 1, run.stderr
    assert "ValidationException" in run.stderr
    assert stack.state("lambda") == before


def test_conflict_is_retried(deploy, stack, proxy):
    busy = stack.functions("lambda")[0]
    rule = proxy.add(Rule(lambda_update(busy), 409, "ResourceConflictException", times=2))

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 0, run.stderr
    assert rule.hits == 2
    assert f"[{busy}] ResourceConflictException, retrying (attempt 3)" in run.stderr
    assert set(stack.function_images("lambda").values()) == {stack.uri("lambda", NEW)}


def test_failed_restore_exits_3_naming_the_function(deploy, stack, proxy):
    functions = stack.functions("lambda")
    old_uri = stack.uri("lambda", OLD)
    proxy.add(Rule(lambda_update(functions[3], NEW), 400, "InvalidParameterValueException"))
    proxy.add(Rule(lambda_update(functions[0], old_uri), 400, "InvalidParameterValueException"))

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1")

    assert run.returncode == 3, run.stderr
    assert f"Lambda function {functions[0]}: must be set back to {old_uri}" in run.stderr
    images = stack.function_images("lambda")
    assert images.pop(functions[0]) == stack.uri("lambda", NEW)
    assert set(images.values()) == {old_uri}
    assert stack.recorded_tag("lambda") == OLD


def test_tag_in_this_repository(deploy):
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()

    run = subprocess.run(
        [sys.executable, "-m", "app.deploy", "tag"],
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if k != "CODEBUILD_RESOLVED_SOURCE_VERSION"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert (run.returncode, run.stdout) == (0, head[:7] + "\n")


def test_tag_outside_a_repository_exits_2(deploy, tmp_path):
    run = deploy("tag", GIT_CEILING_DIRECTORIES=str(tmp_path.parent))

    assert run.returncode == 2
    assert "git rev-parse HEAD` failed" in run.stderr
