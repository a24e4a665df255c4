"""End to end: ``python -m app.deploy`` in a subprocess, over HTTP, against a moto server.

The CLI reaches moto through ``FaultProxy`` on 127.0.0.1, using only the standard
``AWS_ENDPOINT_URL``; the proxy injects faults where a test asks for them. The
fixtures (``deploy``, ``proxy``, ``e2e_stack``) are in conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .fakes import NEW, NEWER, OLD, REGION, FakeStack
from .faultproxy import Rule, lambda_update, ssm_put_parameter

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def stack(e2e_stack: FakeStack) -> FakeStack:
    return e2e_stack


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
        ('{"schema": 5}', "has schema 5; this release tool reads schemas 1, 2, 3 and 4"),
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


ACCOUNT = "123456789012"
"""moto's account, in which the fake stack lives (its ECR repository URIs say so)."""


def function_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


@pytest.mark.parametrize(
    ("region", "account", "message"),
    [
        (REGION, "210987654321", "account 210987654321, region us-east-1"),
        ("eu-west-1", ACCOUNT, f"account {ACCOUNT}, region eu-west-1"),
    ],
    ids=["another-account", "another-region"],
)
def test_a_function_arn_of_another_account_or_region_is_bad_input(
    deploy, stack, region, account, message
):
    """Issue 21.7: refused before any change, like a manifest naming another registry."""
    before = stack.state("lambda")
    versions = len(stack.history("lambda"))
    first = stack.functions("lambda")[0]
    stack.images["lambda"]["lambdaFunctions"][0] = function_arn(region, account, first)
    stack.publish_manifest()

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert "Function entries must be names, or ARNs of this account and region" in run.stderr
    stack.images["lambda"]["lambdaFunctions"][0] = first
    assert stack.state("lambda") == before
    assert len(stack.history("lambda")) == versions
    assert stack.lock_value("lambda") is None


def test_a_function_arn_of_this_account_and_region_is_released(deploy, stack):
    first = stack.functions("lambda")[0]
    stack.images["lambda"]["lambdaFunctions"][0] = function_arn(REGION, ACCOUNT, first)
    stack.publish_manifest()

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 0, run.stderr
    stack.images["lambda"]["lambdaFunctions"][0] = first
    assert stack.state("lambda") == {
        "tag": NEW,
        "functions": {fn: stack.uri("lambda", NEW) for fn in stack.functions("lambda")},
    }


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
