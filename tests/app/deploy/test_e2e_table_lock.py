"""Schema 4's release lock end to end (issue 24): real CLI processes, one moto server.

The stack (``table_stack``) runs two functions behind ``live``, deployed all at once by
the CodeDeploy double at the proxy, and publishes schema 4 with the release locks'
table. The tests mirror the SSM lock's (test_e2e_safety.py, test_e2e_lost_answers.py):
two releases at once, lost answers to the lock's put and delete, a signal mid-release;
and add what only the table promises: of two breakers of one expired lock exactly one
breaks it. moto's conditional writes are made atomic as DynamoDB's are (moto_aws.py).
"""

from __future__ import annotations

import json
import signal

import pytest

from .fakes import NEW, NEWER, OLD, FakeStack, lock_holder
from .faultproxy import dynamodb, lambda_update, lost_answer, ssm

pytestmark = pytest.mark.e2e

TABLE = "demo-test-release-locks"


def assert_released(stack: FakeStack, tag: str) -> None:
    """The parameter, every ``$LATEST`` and every alias on ``tag``; no lock left."""
    assert stack.recorded_tag("lambda") == tag
    assert set(stack.function_images("lambda").values()) == {stack.uri("lambda", tag)}
    assert stack.serving("lambda") == {fn: tag for fn in stack.functions("lambda")}
    assert stack.lock_item("lambda") is None
    assert stack.lock_value("lambda") is None  # the SSM lock is never taken in schema 4


def lock_key(stack: FakeStack) -> str:
    return str(stack.images["lambda"]["lockParameter"])


def expired_item(stack: FakeStack, pid: int) -> None:
    """An item left by a release killed long ago."""
    holder = lock_holder(
        pid, host="gone-host", started="2020-01-01T00:00:00Z", expires="2020-01-01T01:00:00Z"
    )
    stack.put_lock_item("lambda", holder)


def test_a_second_release_fails_fast_or_waits_while_the_first_holds_the_item(
    table_stack, proxy, spawn
):
    stack = table_stack
    stack.push("lambda", NEWER)
    first_update = proxy.hold(lambda_update(stack.functions("lambda")[0]))
    a = spawn("release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1")
    first_update.wait_arrived()  # A holds the lock and has begun changing things

    fast = spawn("release", "--image", "lambda", "--tag", NEWER).finish()
    waiting = spawn("release", "--image", "lambda", "--tag", NEWER, "--lock-wait", "60")
    waiting.wait_for_line("waiting")
    held = stack.lock_item("lambda")
    first_update.open()
    finished_a, finished_waiting = a.finish(), waiting.finish()

    assert fast.returncode == 4, fast.stderr
    assert f"release lock {lock_key(stack)} in DynamoDB table {TABLE}: release" in fast.stderr
    assert f"pid {a.pid} on " in fast.stderr
    assert held is not None
    assert json.loads(held["holder"]["S"])["pid"] == a.pid
    assert finished_a.returncode == 0, finished_a.stderr
    assert finished_waiting.returncode == 0, finished_waiting.stderr
    assert_released(stack, NEWER)  # the waiting release went second


def test_two_releases_started_together_go_one_after_the_other(table_stack, spawn):
    stack = table_stack
    stack.push("lambda", NEWER)

    x = spawn("release", "--image", "lambda", "--tag", NEW, "--lock-wait", "60")
    y = spawn("release", "--image", "lambda", "--tag", NEWER, "--lock-wait", "60")
    results = {NEW: x.finish(), NEWER: y.finish()}

    assert {tag: r.returncode for tag, r in results.items()} == {NEW: 0, NEWER: 0}, {
        tag: r.stderr for tag, r in results.items()
    }
    # Whichever took the lock second wrote the parameter last, and is what runs.
    writes = [v["Value"] for v in stack.history("lambda") if v["Value"] in (NEW, NEWER)]
    assert sorted(writes) == [NEW, NEWER]
    assert_released(stack, writes[-1])


# -- lost answers ---------------------------------------------------------------------


def test_a_lost_answer_to_the_put_is_recognised_as_its_own(table_stack, proxy, deploy):
    stack = table_stack
    stack.push("lambda", NEWER)
    # botocore makes 4 attempts: the first puts the item, the others find it there (the
    # condition fails); every answer is lost.
    lost = proxy.add(lost_answer(dynamodb("PutItem", lock_key(stack)), times=4))

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.returncode == 0, run.stderr
    assert lost.hits == 4
    assert "the answer to the lock's put was lost; it is ours" in run.stderr
    assert_released(stack, NEW)  # not left behind for its TTL
    after = deploy("release", "--image", "lambda", "--tag", NEWER)
    assert after.returncode == 0, after.stderr


def test_a_lost_put_whose_item_cannot_be_read_says_it_may_be_there(table_stack, proxy, deploy):
    stack = table_stack
    key = lock_key(stack)
    proxy.add(lost_answer(dynamodb("PutItem", key), times=4))
    proxy.add(lost_answer(dynamodb("GetItem", key)))

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 1, run.stderr
    assert f"cannot take release lock {key} in DynamoDB table {TABLE}" in run.stderr
    assert "the put may have landed" in run.stderr
    assert f"aws dynamodb delete-item --table-name {TABLE}" in run.stderr
    assert stack.recorded_tag("lambda") == OLD
    held = stack.lock_item("lambda")
    assert held is not None
    assert held["token"]["S"] in run.stderr  # the token it names is the one there


@pytest.mark.parametrize("times", [None, 1], ids=["every-attempt", "first-attempt"])
def test_a_lost_answer_to_the_unlock_leaves_a_completed_release_at_exit_0(
    table_stack, proxy, deploy, times
):
    """Every answer lost: the tool reads the item and finds it gone. Only the first
    lost: botocore's retry finds the condition failing (its own delete had landed)."""
    stack = table_stack
    lost = proxy.add(lost_answer(dynamodb("DeleteItem", lock_key(stack)), times=times))

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["warnings"] == []
    assert lost.hits == (4 if times is None else 1)
    assert_released(stack, NEW)


# -- signals and breaking -------------------------------------------------------------


def test_sigterm_mid_release_restores_and_still_releases_the_lock(table_stack, proxy, spawn):
    stack = table_stack
    put = proxy.hold(ssm("PutParameter", Name=stack.images["lambda"]["tagParameter"], Value=NEW))
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--json")
    put.wait_arrived()
    held = stack.lock_item("lambda")

    release.send(signal.SIGTERM)
    release.wait_for_line("[signal] SIGTERM received")
    put.open()
    finished = release.finish()

    assert held is not None  # the release held the item when the signal came
    assert finished.returncode == 1, finished.stderr
    assert "interrupted by SIGTERM" in finished.json()["error"]
    assert_released(stack, OLD)  # restored, and the item deleted


def test_of_two_breakers_of_one_expired_lock_exactly_one_breaks_it(table_stack, proxy, spawn):
    stack = table_stack
    stack.push("lambda", NEWER)
    expired_item(stack, pid=99999)
    # Both breakers' deletes wait here until both have decided to break the same lock.
    breaks = proxy.hold(dynamodb("DeleteItem", lock_key(stack)), times=2)
    options = ("--break-expired-lock", "--lock-wait", "60")
    a = spawn("release", "--image", "lambda", "--tag", NEW, *options)
    b = spawn("release", "--image", "lambda", "--tag", NEWER, *options)
    for breaker in (a, b):
        breaker.wait_for_line("breaking expired lock: release of image lambda by pid 99999")
    breaks.open()
    done = [a.finish(), b.finish()]

    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    broke = [d for d in done if "broke the expired lock" in d.stderr]
    assert len(broke) == 1
    (other,) = [d for d in done if d is not broke[0]]
    assert "not broken: another broke or took it first" in other.stderr
    assert breaks.hits == 2
    writes = [v["Value"] for v in stack.history("lambda") if v["Value"] in (NEW, NEWER)]
    assert sorted(writes) == [NEW, NEWER]
    assert_released(stack, writes[-1])
