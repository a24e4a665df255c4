"""The schema-4 release lock: an item of a DynamoDB table, in-process against moto.

The tests mirror test_lock.py's (the SSM lock), and add what only the table does: one
conditional delete to release, an atomic break, and the upgrade guard (the SSM lock of
an older manifest, read beside each put). The table is made as the contract has the
infra stack make it (fakes.py, ``use_lock_table``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from app.deploy.exceptions import (
    AwsAccessError,
    DeployError,
    LockHeldError,
    LockTableNotFoundError,
)
from app.deploy.lock import LockHolder, LockPolicy
from app.deploy.retry import RetryPolicy
from app.deploy.table_lock import TableLock

from .fakes import FaultyClient, client_error, fail_times, fail_when, lock_holder
from .test_lock import NAME, START, Clock, SleepingInterrupts, holder

TABLE = "demo-test-release-locks"


@pytest.fixture
def table(stack) -> str:
    """The table as fakes.py's ``use_lock_table`` makes it, without a manifest."""
    stack.dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "lockKey", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "lockKey", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )
    return TABLE


@pytest.fixture
def make_lock(stack, table, clock, events):
    def make(
        dynamodb=None, ssm=None, owner: LockHolder | None = None, table_name=TABLE, **policy
    ) -> TableLock:
        return TableLock(
            dynamodb or stack.dynamodb,
            ssm or stack.ssm,
            table_name,
            NAME,
            holder=owner or holder(),
            policy=LockPolicy(**policy),
            retry=RetryPolicy(sleep=lambda s: None),
            progress=lambda target, message: events.append((target, message)),
            interrupts=SleepingInterrupts(clock),
            clock=lambda: clock.now,
            monotonic=lambda: (clock.now - START).total_seconds(),
        )

    return make


@pytest.fixture
def clock() -> Clock:
    return Clock()


def item(stack) -> dict[str, Any] | None:
    return stack.dynamodb.get_item(
        TableName=TABLE, Key={"lockKey": {"S": NAME}}, ConsistentRead=True
    ).get("Item")


def held_by(stack) -> int | None:
    found = item(stack)
    return None if found is None else json.loads(found["holder"]["S"])["pid"]


def ssm_lock(stack, pid: int = 333, expires: str = "2030-01-02T04:04:05Z") -> None:
    """The SSM lock a tool of an older manifest writes."""
    holder = lock_holder(
        pid, command="hold", token="f" * 32, host="old-host", started="2030-01-02T03:00:00Z",
        expires=expires,
    )  # fmt: skip
    stack.ssm.put_parameter(Name=NAME, Value=json.dumps(holder), Type="String")


def test_take_writes_the_contracts_item_and_release_deletes_it(stack, make_lock):
    lock = make_lock()

    lock.acquire()
    found = item(stack)
    warning = lock.release()

    assert found is not None
    assert set(found) == {"lockKey", "token", "holder"}
    assert found["lockKey"] == {"S": NAME}
    assert found["token"] == {"S": lock.holder.token}
    assert found["holder"] == {"S": lock.holder.to_json()}
    held = json.loads(found["holder"]["S"])
    assert (held["host"], held["pid"], held["codebuildBuildId"]) == (
        "build-host",
        111,
        "demo-build:1234",
    )
    assert (held["startedAt"], held["expiresAt"]) == (
        "2030-01-02T03:04:05Z",
        "2030-01-02T04:04:05Z",
    )
    assert warning is None
    assert item(stack) is None
    assert lock.held is False


def test_take_is_one_conditional_put_beside_the_guards_read(stack, make_lock):
    dynamodb, ssm = FaultyClient(stack.dynamodb), FaultyClient(stack.ssm)
    lock = make_lock(dynamodb=dynamodb, ssm=ssm)

    lock.acquire()
    lock.release()

    (put,) = dynamodb.calls_to("put_item")
    assert put["ConditionExpression"] == "attribute_not_exists(lockKey)"
    assert put["TableName"] == TABLE
    (delete,) = dynamodb.calls_to("delete_item")
    assert delete["ConditionExpression"] == "#t = :mine"
    assert delete["ExpressionAttributeNames"] == {"#t": "token"}
    assert delete["ExpressionAttributeValues"] == {":mine": {"S": lock.holder.token}}
    assert dynamodb.calls_to("get_item") == []  # nothing read when all goes well
    assert [c["Name"] for c in ssm.calls_to("get_parameter")] == [NAME]
    assert ssm.calls_to("put_parameter") == ssm.calls_to("delete_parameter") == []


def test_a_held_lock_fails_fast_naming_holder_table_and_start(stack, make_lock):
    make_lock().acquire()

    with pytest.raises(
        LockHeldError,
        match=rf"holds release lock {NAME} in DynamoDB table {TABLE}: release of image lambda "
        r"by pid 111 on build-host, CodeBuild build demo-build:1234, started 2030-01-02T03:04",
    ) as e:
        make_lock(owner=holder(pid=222)).acquire()

    assert e.value.exit_code == 4
    assert held_by(stack) == 111


def test_waiting_polls_with_progress_then_takes_the_freed_lock(stack, make_lock, clock):
    first = make_lock()
    first.acquire()
    polls = []

    def release_after_three_polls(target, message):
        polls.append(message)
        if len(polls) == 3:
            first.release()

    second = make_lock(owner=holder(pid=222), wait=60)
    second._progress = release_after_three_polls

    second.acquire()

    assert len(polls) == 3
    assert all("held by release of image lambda by pid 111" in p for p in polls)
    assert clock.slept == [0.25, 0.375, 0.5625]
    assert held_by(stack) == 222


def test_an_expired_lock_is_only_broken_when_asked_and_then_atomically(
    stack, make_lock, clock, events
):
    make_lock(ttl=60).acquire()
    clock.advance(61)

    with pytest.raises(LockHeldError, match=r"has expired.*--break-expired-lock"):
        make_lock(owner=holder(pid=222)).acquire()
    assert held_by(stack) == 111

    dynamodb = FaultyClient(stack.dynamodb)
    make_lock(dynamodb=dynamodb, owner=holder(pid=222), break_expired=True).acquire()

    assert held_by(stack) == 222
    breaking = [c for c in dynamodb.calls_to("delete_item") if c["ExpressionAttributeValues"]]
    assert len(breaking) == 1  # conditional on the expired holder's token, no read first
    assert any("breaking expired lock" in m and "pid 111" in m for _, m in events)
    assert ("/demo/test/images/lambda/release-lock", "broke the expired lock") in events


def test_of_two_breakers_of_one_expired_lock_only_one_breaks_it(stack, make_lock, clock, events):
    """Between the second breaker's read of the expired lock and its delete, the first
    breaks it and takes it: the second's conditional delete fails, nothing is lost."""
    make_lock(ttl=60).acquire()
    clock.advance(61)
    first = make_lock(owner=holder(pid=222), break_expired=True)

    def first_breaker_goes_in_between(kwargs):
        assert ":theirs" in kwargs["ExpressionAttributeValues"]  # the second's break
        if not first.held:
            first.acquire()

    racing = FaultyClient(stack.dynamodb, delete_item=first_breaker_goes_in_between)
    second = make_lock(dynamodb=racing, owner=holder(pid=333), break_expired=True)

    with pytest.raises(LockHeldError, match="by pid 222"):
        second.acquire()

    assert first.held
    assert not second.held
    found = item(stack)
    assert found is not None
    assert found["token"] == {"S": first.holder.token}
    assert ("/demo/test/images/lambda/release-lock", "broke the expired lock") in events
    assert any("not broken: another broke or took it first" in m for _, m in events)


def test_an_item_written_by_hand_counts_as_expired_and_is_broken_only_when_asked(stack, make_lock):
    stack.dynamodb.put_item(
        TableName=TABLE, Item={"lockKey": {"S": NAME}, "holder": {"S": "taken by Alice"}}
    )

    with pytest.raises(LockHeldError, match=r"unknown command of image \? .* has expired"):
        make_lock().acquire()

    make_lock(break_expired=True).acquire()
    assert held_by(stack) == 111


def test_a_lost_put_answer_is_recognised_as_ours(stack, make_lock, events):
    def land_then_lose_the_answer(kwargs, response):
        raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/")

    lossy = FaultyClient(stack.dynamodb, rewrite={"put_item": land_then_lose_the_answer})
    lock = make_lock(dynamodb=lossy)

    lock.acquire()

    assert lock.held
    assert held_by(stack) == 111
    assert any("the answer to the lock's put was lost; it is ours" in m for _, m in events)


def test_a_lost_put_answer_that_cannot_be_read_says_whose_item_it_would_be(stack, make_lock):
    """The put landed, its answer was lost, and reading the item fails too: the error
    names this run's token and the conditional delete that removes only its own item."""

    def land_then_lose_the_answer(kwargs, response):
        raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/")

    lossy = FaultyClient(
        stack.dynamodb,
        rewrite={"put_item": land_then_lose_the_answer},
        get_item=fail_when(lambda kw: True, "AccessDeniedException", "GetItem"),
    )
    lock = make_lock(dynamodb=lossy)

    with pytest.raises(DeployError, match="the put may have landed, and reading") as e:
        lock.acquire()

    assert not lock.held
    assert f"If it holds token {lock.holder.token} it is this run's" in str(e.value)
    assert "aws dynamodb delete-item --table-name demo-test-release-locks" in str(e.value)
    assert "--condition-expression '#t = :mine'" in str(e.value)
    assert held_by(stack) == 111  # left for the person to judge, as the message says


def test_a_retried_put_that_finds_its_own_item_holds_the_lock(stack, make_lock):
    # botocore's retry of a put that had landed gets the condition's failure: the
    # consistent read of the token says the item is this run's.
    def land_then_answer_as_the_retry_would(kwargs, response):
        raise client_error("ConditionalCheckFailedException", "PutItem")

    retried = FaultyClient(
        stack.dynamodb, rewrite={"put_item": land_then_answer_as_the_retry_would}
    )
    lock = make_lock(dynamodb=retried)

    lock.acquire()

    assert lock.held
    assert [c["ConsistentRead"] for c in retried.calls_to("get_item")] == [True]


def test_access_denied_is_exit_5_naming_the_actions_and_the_table(stack, make_lock):
    denied = FaultyClient(
        stack.dynamodb, put_item=fail_when(lambda kw: True, "AccessDeniedException", "PutItem")
    )

    with pytest.raises(
        AwsAccessError,
        match=rf"dynamodb:PutItem, dynamodb:GetItem and dynamodb:DeleteItem on table {TABLE} "
        rf"for key {NAME}",
    ) as e:
        make_lock(dynamodb=denied).acquire()

    assert e.value.exit_code == 5


def test_a_missing_table_is_bad_input_naming_it(stack, make_lock):
    with pytest.raises(LockTableNotFoundError, match="DynamoDB table demo-test-gone, the") as e:
        make_lock(table_name="demo-test-gone").acquire()

    assert e.value.exit_code == 2
    assert "run pulumi up" in str(e.value)


def test_release_after_expiry_leaves_someone_elses_lock(stack, make_lock, clock):
    mine = make_lock(ttl=60)
    mine.acquire()
    clock.advance(61)
    make_lock(owner=holder(pid=222), break_expired=True).acquire()

    warning = mine.release()

    assert "expired during this run and is no longer this process's" in warning
    assert held_by(stack) == 222


def test_release_before_expiry_still_leaves_someone_elses_lock(stack, make_lock):
    mine = make_lock(ttl=60)
    mine.acquire()
    stack.dynamodb.delete_item(TableName=TABLE, Key={"lockKey": {"S": NAME}})  # broken
    make_lock(owner=holder(pid=222)).acquire()

    warning = mine.release()

    assert "no longer this process's (now held by release of image lambda by pid 222" in warning
    assert held_by(stack) == 222


def test_release_of_a_lock_broken_meanwhile_says_it_was_gone(stack, make_lock):
    mine = make_lock()
    mine.acquire()
    stack.dynamodb.delete_item(TableName=TABLE, Key={"lockKey": {"S": NAME}})

    assert "was already gone (broken by someone?)" in mine.release()


def test_a_failed_release_is_a_warning_with_the_conditional_delete_command(stack, make_lock):
    flaky = FaultyClient(
        stack.dynamodb,
        delete_item=fail_times(99, "InternalServerError", "DeleteItem", lambda kw: True),
    )
    lock = make_lock(dynamodb=flaky)
    lock.acquire()

    warning = lock.release()

    assert f"aws dynamodb delete-item --table-name {TABLE}" in warning
    assert f'":mine": {{"S": "{lock.holder.token}"}}' in warning
    assert "expire at 2030-01-02T04:04:05Z" in warning
    assert lock.held  # still there, still this run's


def test_a_lost_answer_to_the_delete_is_judged_by_reading(stack, make_lock):
    def delete_then_lose_the_answer(kwargs, response):
        raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/")

    lossy = FaultyClient(stack.dynamodb, rewrite={"delete_item": delete_then_lose_the_answer})
    lock = make_lock(dynamodb=lossy)
    lock.acquire()

    assert lock.release() is None
    assert item(stack) is None


def test_a_retried_delete_whose_condition_fails_says_nothing(stack, make_lock):
    # The first attempt deleted the item and its answer was lost; botocore's retry
    # (RetryAttempts 1) finds no item: that was this run's own delete.
    def land_then_answer_as_the_retry_would(kwargs, response):
        answer: Any = {
            "Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"},
            "ResponseMetadata": {"RetryAttempts": 1, "HTTPStatusCode": 400},
        }
        raise ClientError(answer, "DeleteItem")

    retried = FaultyClient(
        stack.dynamodb, rewrite={"delete_item": land_then_answer_as_the_retry_would}
    )
    lock = make_lock(dynamodb=retried)
    lock.acquire()

    assert lock.release() is None
    assert item(stack) is None
    assert retried.calls_to("get_item") == []


# -- the upgrade guard ----------------------------------------------------------------


def test_an_older_manifests_ssm_lock_holds_the_image_and_no_item_is_left(stack, make_lock, events):
    ssm_lock(stack)

    with pytest.raises(LockHeldError) as e:
        make_lock().acquire()

    assert (
        f"another release holds release lock {NAME} (the SSM parameter that releases and "
        "hold of a manifest before schema 4 take): hold of image lambda by pid 333 on old-host"
    ) in str(e.value)
    assert item(stack) is None  # the item the put took was given back
    assert any("giving the table's lock back" in m for _, m in events)


def test_waiting_for_an_older_manifests_ssm_lock_then_taking_the_item(stack, make_lock, clock):
    ssm_lock(stack)
    polls = []

    def free_after_two_polls(target, message):
        polls.append(message)
        if sum("waiting" in p for p in polls) == 2:
            stack.ssm.delete_parameter(Name=NAME)  # the hold's pulumi up has ended

    lock = make_lock(wait=60)
    lock._progress = free_after_two_polls

    lock.acquire()

    assert lock.held
    assert held_by(stack) == 111
    waits = [p for p in polls if "waiting" in p]
    assert len(waits) == 2
    assert all(p.startswith("held by hold of image lambda by pid 333") for p in waits)
    # Each attempt took the item and gave it back while the SSM lock was there.
    assert sum("giving the table's lock back" in p for p in polls) == 2


def test_an_expired_ssm_lock_is_broken_as_before_when_asked(stack, make_lock, events):
    ssm_lock(stack, expires="2030-01-02T03:00:30Z")  # before START: expired

    with pytest.raises(LockHeldError, match=r"\(the SSM parameter .* has expired"):
        make_lock().acquire()
    make_lock(break_expired=True).acquire()

    assert held_by(stack) == 111
    with pytest.raises(stack.ssm.exceptions.ParameterNotFound):
        stack.ssm.get_parameter(Name=NAME)
    assert any("breaking expired lock: hold of image lambda by pid 333" in m for _, m in events)


def test_a_guard_that_cannot_read_ssm_is_exit_5_and_gives_the_item_back(stack, make_lock):
    denied = FaultyClient(
        stack.ssm, get_parameter=fail_when(lambda kw: True, "AccessDeniedException", "GetParameter")
    )

    with pytest.raises(AwsAccessError, match="needs ssm:GetParameter on it") as e:
        make_lock(ssm=denied).acquire()

    assert "nothing was changed" in str(e.value)
    assert item(stack) is None
