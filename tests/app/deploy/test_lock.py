"""The release lock: an SSM parameter created atomically, in-process against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.deploy.exceptions import AwsAccessError, LockHeldError
from app.deploy.lock import LockHolder, LockOwner, LockPolicy, ReleaseLock
from app.deploy.retry import RetryPolicy
from app.deploy.signals import Interrupts

from .fakes import NEW, OLD, FaultyClient, client_error, fail_times, fail_when

NAME = "/demo/test/images/lambda/release-lock"
START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


class Clock:
    """Wall clock and monotonic clock that move only when the lock sleeps."""

    def __init__(self) -> None:
        self.now = START
        self.slept: list[float] = []

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.slept.append(seconds)


class SleepingInterrupts(Interrupts):
    """Interrupts whose ``wait`` advances the fake clock instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, seconds: float) -> bool:
        self.clock.advance(seconds)
        return self.requested


def holder(pid: int = 111) -> LockHolder:
    """Who asks; the lock sets start and expiry itself when it is taken (policy ``ttl``)."""
    return LockHolder(
        owner=LockOwner("build-host", pid, "demo-build:1234"),
        command="release",
        image="lambda",
        started_at=START,
        expires_at=START,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_lock(stack, clock, events):
    def make(ssm=None, owner: LockHolder | None = None, **policy) -> ReleaseLock:
        return ReleaseLock(
            ssm or stack.ssm,
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


def value(stack) -> Any:
    try:
        return json.loads(stack.ssm.get_parameter(Name=NAME)["Parameter"]["Value"])
    except stack.ssm.exceptions.ParameterNotFound:
        return None


def test_take_and_release(stack, make_lock):
    lock = make_lock()

    lock.acquire()
    held = value(stack)
    warning = lock.release()

    assert held is not None
    assert (held["host"], held["pid"], held["codebuildBuildId"]) == (
        "build-host",
        111,
        "demo-build:1234",
    )
    assert held["startedAt"] == "2030-01-02T03:04:05Z"
    assert held["expiresAt"] == "2030-01-02T04:04:05Z"
    assert warning is None
    assert value(stack) is None


def test_a_held_lock_fails_fast_naming_holder_and_start(stack, make_lock):
    first = make_lock()
    first.acquire()

    with pytest.raises(
        LockHeldError,
        match=r"pid 111 on build-host, CodeBuild build demo-build:1234, started 2030-01-02T03:04",
    ) as e:
        make_lock(owner=holder(pid=222)).acquire()

    assert e.value.exit_code == 4
    assert value(stack)["pid"] == 111  # untouched


def test_waiting_polls_with_progress_then_takes_the_freed_lock(stack, make_lock, clock, events):
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
    assert clock.slept == [0.25, 0.375, 0.5625]  # bounded backoff, no busy loop
    assert value(stack)["pid"] == 222


def test_waiting_is_bounded(stack, make_lock, clock):
    make_lock().acquire()

    with pytest.raises(LockHeldError, match=r"after waiting 5s: release of image lambda by pid"):
        make_lock(owner=holder(pid=222), wait=5).acquire()

    assert sum(clock.slept) == pytest.approx(5)


def test_an_expired_lock_is_only_broken_when_asked(stack, make_lock, clock, events):
    make_lock(ttl=60).acquire()
    clock.advance(61)

    with pytest.raises(LockHeldError, match=r"has expired.*--break-expired-lock"):
        make_lock(owner=holder(pid=222)).acquire()
    assert value(stack)["pid"] == 111

    make_lock(owner=holder(pid=222), break_expired=True).acquire()

    assert value(stack)["pid"] == 222
    assert any("breaking expired lock" in m and "pid 111" in m for _, m in events)


def test_a_lock_value_written_by_hand_expires_from_its_last_write(stack, make_lock, clock):
    stack.ssm.put_parameter(Name=NAME, Value="taken by Alice", Type="String")

    with pytest.raises(LockHeldError, match=r"unknown command of image \? by pid 0 on unknown"):
        make_lock().acquire()


def test_a_lost_create_response_is_recognised_as_ours(stack, make_lock):
    # The create lands but its answer is lost, so the call is retried and finds the
    # parameter there: the token in it says the lock is this process's own.
    answers = []

    def lose_the_first_answer(kwargs, response):
        answers.append(response)
        if len(answers) == 1:
            raise client_error("TooManyUpdates", "PutParameter")
        return response

    retried = FaultyClient(stack.ssm, rewrite={"put_parameter": lose_the_first_answer})
    lock = make_lock(ssm=retried)

    lock.acquire()

    assert lock.held
    assert len(retried.calls_to("put_parameter")) == 2
    assert value(stack)["pid"] == 111


def test_access_denied_is_exit_5_naming_what_to_grant(stack, make_lock):
    denied = FaultyClient(
        stack.ssm, put_parameter=fail_when(lambda kw: True, "AccessDeniedException", "PutParameter")
    )

    with pytest.raises(
        AwsAccessError, match=r"ssm:PutParameter, ssm:GetParameter and ssm:DeleteParameter"
    ) as e:
        make_lock(ssm=denied).acquire()

    assert e.value.exit_code == 5


def test_release_after_expiry_leaves_someone_elses_lock(stack, make_lock, clock):
    mine = make_lock(ttl=60)
    mine.acquire()
    clock.advance(61)
    make_lock(owner=holder(pid=222), break_expired=True).acquire()

    warning = mine.release()

    assert "no longer this process's" in warning
    assert value(stack)["pid"] == 222


def test_a_failed_release_of_the_lock_is_a_warning_with_the_command(stack, make_lock):
    flaky = FaultyClient(
        stack.ssm,
        delete_parameter=fail_times(99, "InternalServerError", "DeleteParameter", lambda kw: True),
    )
    lock = make_lock(ssm=flaky)
    lock.acquire()

    warning = lock.release()

    assert f"aws ssm delete-parameter --name {NAME}" in warning
    assert "expire at 2030-01-02T04:04:05Z" in warning


def test_every_release_takes_and_drops_the_lock(released, make_releaser):
    ssm = FaultyClient(released.ssm)

    make_releaser(ssm=ssm).release("lambda", NEW, imagedefinitions=None)
    make_releaser(ssm=ssm).rollback("lambda", imagedefinitions=None)

    creates = [c for c in ssm.calls_to("put_parameter") if c["Name"] == NAME]
    assert [c["Overwrite"] for c in creates] == [False, False]
    assert [c["Name"] for c in ssm.calls_to("delete_parameter")] == [NAME, NAME]
    assert released.lock_value("lambda") is None
    assert released.recorded_tag("lambda") == OLD


def test_a_release_refused_for_bad_input_drops_the_lock_it_took(released, make_releaser):
    from app.deploy.exceptions import ImageTagNotFoundError

    with pytest.raises(ImageTagNotFoundError):
        make_releaser().release("lambda", "ccccccc", imagedefinitions=None)

    assert released.lock_value("lambda") is None


def test_release_before_expiry_still_leaves_someone_elses_lock(stack, make_lock, clock):
    """Issue 21.5: another's clock ran ahead by more than the TTL and it broke our lock.

    By this process's clock the lock has not expired, yet it holds another token now:
    the unlock compares before deleting, whatever the clock says.
    """
    mine = make_lock(ttl=60)
    mine.acquire()
    stack.ssm.delete_parameter(Name=NAME)  # broken by someone whose clock said "expired"
    make_lock(owner=holder(pid=222)).acquire()

    warning = mine.release()

    assert warning is not None
    assert "no longer this process's" in warning
    assert "pid 222" in warning
    assert value(stack)["pid"] == 222


def test_a_lost_answer_to_the_delete_is_judged_by_reading_again(stack, make_lock):
    from botocore.exceptions import ConnectionClosedError

    def delete_then_lose_the_answer(kwargs, response):
        raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/")

    lossy = FaultyClient(stack.ssm, rewrite={"delete_parameter": delete_then_lose_the_answer})
    lock = make_lock(ssm=lossy)
    lock.acquire()

    warning = lock.release()

    assert warning is None  # read again: the lock is gone, as asked
    assert len(lossy.calls_to("delete_parameter")) == 1
    assert value(stack) is None
