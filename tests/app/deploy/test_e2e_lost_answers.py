"""Lost answers end to end (issue 21): the request lands, the connection closes, no answer.

Every test runs the real CLI as a subprocess against one moto server over HTTP. The
fault proxy forwards the chosen request and then closes the connection without an
answer (``lost_answer``), on every attempt botocore makes, so the tool gets
``ConnectionClosedError`` although AWS did what it asked. Each test then checks what
the tool reported against the state it really left.
"""

from __future__ import annotations

import json

import pytest

from .fakes import NEW, NEWER, OLD, FakeStack
from .faultproxy import Rule, lambda_update, lost_answer, ssm
from .test_e2e_safety import consistent_tag, tag_parameter

pytestmark = pytest.mark.e2e


def lock_parameter(stack: FakeStack) -> str:
    return f"{tag_parameter(stack).rsplit('/', 1)[0]}/release-lock"


# -- 1. the unlock -----------------------------------------------------------------------


def test_a_lost_answer_to_the_unlock_leaves_a_completed_release_at_exit_0(e2e_stack, proxy, deploy):
    stack = e2e_stack
    lost = proxy.add(lost_answer(ssm("DeleteParameter", Name=lock_parameter(stack))))

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["ok"] is True
    assert document["warnings"] == []  # read again: the lock is gone, as asked
    assert "nothing was changed" not in run.stderr
    assert lost.hits >= 1
    assert consistent_tag(stack) == NEW
    assert stack.lock_value("lambda") is None


def test_a_lost_answer_to_the_unlock_after_a_failed_restore_keeps_exit_3(e2e_stack, proxy, deploy):
    stack = e2e_stack
    functions = stack.functions("lambda")
    proxy.add(Rule(lambda_update(functions[1], NEW), 400, "InvalidParameterValueException"))
    proxy.add(Rule(lambda_update(functions[0], OLD), 400, "InvalidParameterValueException"))
    lost = proxy.add(lost_answer(ssm("DeleteParameter", Name=lock_parameter(stack))))

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json", "--max-concurrency", "1")

    assert run.returncode == 3, run.stderr
    document = json.loads(run.stdout)
    assert document["errorType"] == "RestoreFailedError"
    (attention,) = document["needsAttention"]
    assert attention.startswith(f"Lambda function {functions[0]}: must be set back to")
    assert stack.function_images("lambda")[functions[0]] == stack.uri("lambda", NEW)  # as said
    assert lost.hits >= 1
    assert stack.lock_value("lambda") is None


# -- 2. the lock's create -----------------------------------------------------------------


def test_a_lost_answer_to_the_locks_create_is_recognised_as_its_own(e2e_stack, proxy, deploy):
    stack = e2e_stack
    stack.push("lambda", NEWER)
    # botocore makes 4 attempts (3 retries): the first creates the lock, the others find
    # it there; every answer is lost.
    lost = proxy.add(
        lost_answer(ssm("PutParameter", Name=lock_parameter(stack), Overwrite=False), times=4)
    )

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.returncode == 0, run.stderr
    assert lost.hits == 4
    assert "the answer to the lock's create was lost; it is ours" in run.stderr
    assert consistent_tag(stack) == NEW
    assert stack.lock_value("lambda") is None  # not left behind for its TTL
    after = deploy("release", "--image", "lambda", "--tag", NEWER)
    assert after.returncode == 0, after.stderr  # not 4, naming a dead process


def test_a_lost_create_whose_lock_cannot_be_read_says_the_lock_may_be_there(
    e2e_stack, proxy, deploy
):
    stack = e2e_stack
    lock = lock_parameter(stack)
    proxy.add(lost_answer(ssm("PutParameter", Name=lock, Overwrite=False), times=4))
    proxy.add(lost_answer(ssm("GetParameter", Name=lock)))
    before = stack.state("lambda")

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 1, run.stderr
    assert f"cannot take release lock {lock}" in run.stderr
    assert "the create may have landed" in run.stderr
    assert f"aws ssm delete-parameter --name {lock}" in run.stderr
    assert stack.state("lambda") == before
    held = stack.lock_value("lambda")
    assert held is not None
    assert held["token"] in run.stderr  # the token it names is the one there


# -- 8. the restore's PutParameter ---------------------------------------------------------


def test_a_lost_answer_to_the_restores_put_is_read_back_before_reporting(e2e_stack, proxy, deploy):
    stack = e2e_stack
    before = stack.state("lambda")
    functions = stack.functions("lambda")
    proxy.add(Rule(lambda_update(functions[2], NEW), 400, "InvalidParameterValueException"))
    lost = proxy.add(lost_answer(ssm("PutParameter", Name=tag_parameter(stack), Value=OLD)))

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    assert document["errorType"] == "ReleaseFailedError"
    assert f"SSM parameter {tag_parameter(stack)} back to {OLD!r}" in document["restored"]
    assert "must be set back" not in run.stderr
    assert lost.hits >= 1
    assert stack.state("lambda") == before


# -- 6. the manifest read ------------------------------------------------------------------


def test_a_throttled_manifest_read_is_retried_as_the_docs_promise(e2e_stack, proxy, deploy):
    stack = e2e_stack
    # botocore's own four attempts are all throttled; the tool's retry gets through.
    throttled = proxy.add(
        Rule(
            ssm("GetParameter", Name=stack.manifest_parameter),
            400,
            "ThrottlingException",
            times=5,
        )
    )

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 0, run.stderr
    assert throttled.hits == 5
    assert consistent_tag(stack) == NEW
