"""Release safety end to end (issue 11): locks, signals, lost responses, SIGKILL, access.

Every test runs the real CLI as separate processes against one moto server over HTTP.
Where a test needs a process to be at a given point (holding the lock, restoring,
writing the parameter), the fault proxy holds that process's request until the test
has done what it needs: no sleep orders anything. Assertions are invariants of the
final state, not orders of events.
"""

from __future__ import annotations

import contextlib
import json
import signal
import time

import pytest

from .fakes import NEW, NEWER, OLD, FakeStack
from .faultproxy import Rule, any_request, ecr, lambda_update, ssm

pytestmark = pytest.mark.e2e


def consistent_tag(stack: FakeStack) -> str:
    """The one tag the parameter and every function agree on; fails if they do not."""
    state = stack.state("lambda")
    tags = {uri.rsplit(":", 1)[1] for uri in state["functions"].values()}
    assert tags == {state["tag"]}, state
    return str(state["tag"])


def tag_parameter(stack: FakeStack) -> str:
    return str(stack.images["lambda"]["tagParameter"])


def released(stack: FakeStack, tag: str) -> None:
    """The state a successful release of ``tag`` leaves (written directly, to save a run)."""
    stack.push("lambda", tag)
    stack.ssm.put_parameter(Name=tag_parameter(stack), Value=tag, Type="String", Overwrite=True)
    for fn in stack.functions("lambda"):
        stack.set_function_image(fn, stack.uri("lambda", tag))


# -- 11.2: overlapping releases ---------------------------------------------------------


def test_a_second_release_fails_fast_or_waits_while_the_first_holds_the_lock(
    e2e_stack, proxy, spawn
):
    stack = e2e_stack
    stack.push("lambda", NEWER)
    first_update = proxy.hold(lambda_update(stack.functions("lambda")[0]))
    a = spawn("release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1")
    first_update.wait_arrived()  # A holds the lock and has begun changing things

    fast = spawn("release", "--image", "lambda", "--tag", NEWER).finish()
    waiting = spawn("release", "--image", "lambda", "--tag", NEWER, "--lock-wait", "60")
    waiting.wait_for_line("waiting")
    first_update.open()
    finished_a, finished_waiting = a.finish(), waiting.finish()

    assert fast.returncode == 4, fast.stderr
    assert f"pid {a.pid} on " in fast.stderr
    assert "started 20" in fast.stderr
    assert finished_a.returncode == 0, finished_a.stderr
    assert finished_waiting.returncode == 0, finished_waiting.stderr
    # The waiting release went second, so its tag is the one left live.
    assert consistent_tag(stack) == NEWER
    values = [v["Value"] for v in stack.history("lambda")]
    assert values[-2:] == [NEW, NEWER]
    assert stack.lock_value("lambda") is None


@pytest.mark.parametrize(
    ("waiting", "newer_fails"),
    [(False, False), (True, False), (True, True)],
    ids=["fail-fast", "waiting", "waiting-one-fails"],
)
def test_overlapping_releases_leave_one_consistent_state(
    e2e_stack, proxy, spawn, waiting, newer_fails
):
    """Two releases started together, with no ordering imposed (issue 11.2's scenario).

    Whatever order the lock gives them: the parameter equals every function's image,
    and a release that exited 0 is still live unless another one that exited 0 wrote
    the parameter after it. Without ``--lock-wait`` the one that finds the lock taken
    exits 4 (or both succeed, one after the other); with it, both go ahead in turn.
    """
    stack = e2e_stack
    stack.push("lambda", NEWER)
    if newer_fails:
        failing = stack.functions("lambda")[1]
        proxy.add(Rule(lambda_update(failing, NEWER), 400, "InvalidParameterValueException"))
    first_version = len(stack.history("lambda"))
    wait = ["--lock-wait", "60"] if waiting else []

    x = spawn("release", "--image", "lambda", "--tag", NEW, *wait)
    y = spawn("release", "--image", "lambda", "--tag", NEWER, *wait)
    results = {NEW: x.finish(), NEWER: y.finish()}

    codes = {tag: result.returncode for tag, result in results.items()}
    report = {tag: r.stderr for tag, r in results.items()}
    if waiting:
        assert codes == {NEW: 0, NEWER: 1 if newer_fails else 0}, report
    else:
        assert sorted(codes.values()) in ([0, 0], [0, 4]), report
    final = consistent_tag(stack)
    succeeded = {tag for tag, code in codes.items() if code == 0}
    failed = stack.failed_record("lambda")
    # The last write of a successful release, in SSM's own order, is what is live.
    writes = [
        v["Value"]
        for v in stack.history("lambda")[first_version:]
        if v["Value"] in succeeded and int(v["Version"]) not in failed
    ]
    assert final == writes[-1]
    assert stack.lock_value("lambda") is None


# -- 11.1: signals never cut a restore short ---------------------------------------------


def test_sigterm_and_sigint_during_the_restore_do_not_stop_it(e2e_stack, proxy, spawn):
    stack = e2e_stack
    before = stack.state("lambda")
    functions = stack.functions("lambda")
    proxy.add(Rule(lambda_update(functions[2], NEW), 400, "InvalidParameterValueException"))
    restoring = proxy.hold(lambda_update(functions[0], stack.uri("lambda", OLD)))
    release = spawn(
        "release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1", "--json"
    )
    restoring.wait_arrived()

    release.send(signal.SIGTERM)
    release.wait_for_line("[signal] SIGTERM received")
    release.send(signal.SIGINT)
    release.wait_for_line("[signal] SIGINT received")
    restoring.open()
    finished = release.finish()

    assert finished.returncode == 1, finished.stderr
    document = finished.json()
    assert document["errorType"] == "ReleaseFailedError"
    for fn in functions[:2]:
        assert f"Lambda function {fn} back on {stack.uri('lambda', OLD)}" in document["restored"]
    assert stack.state("lambda") == before  # what it printed is true
    assert stack.lock_value("lambda") is None


def test_sigterm_during_the_put_is_undone_and_recorded(e2e_stack, proxy, spawn, deploy):
    # History: initial, OLD, NEWER; this release writes NEW, is stopped, and must be
    # undone and recorded so that rollback goes from NEWER back to OLD, not to NEW.
    stack = e2e_stack
    released(stack, NEWER)
    before = stack.state("lambda")
    put = proxy.hold(ssm("PutParameter", Name=tag_parameter(stack), Value=NEW))
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--json")
    put.wait_arrived()

    release.send(signal.SIGTERM)
    release.wait_for_line("[signal] SIGTERM received")
    put.open()
    finished = release.finish()

    assert finished.returncode == 1, finished.stderr
    assert "interrupted by SIGTERM" in finished.json()["error"]
    assert stack.state("lambda") == before
    written = [int(v["Version"]) for v in stack.history("lambda") if v["Value"] == NEW]
    assert set(stack.failed_record("lambda")) >= set(written) != set()
    rollback = deploy("rollback", "--image", "lambda", "--json")
    assert rollback.returncode == 0, rollback.stderr
    assert json.loads(rollback.stdout)["tag"] == OLD  # never the failed NEW


def test_sigterm_while_waiting_for_the_lock_changes_nothing(e2e_stack, proxy, spawn):
    stack = e2e_stack
    stack.push("lambda", NEWER)
    first_update = proxy.hold(lambda_update(stack.functions("lambda")[0]))
    holder = spawn("release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1")
    first_update.wait_arrived()
    waiter = spawn("release", "--image", "lambda", "--tag", NEWER, "--lock-wait", "60")
    waiter.wait_for_line("waiting")

    waiter.send(signal.SIGTERM)
    stopped = waiter.finish()
    lock = stack.lock_value("lambda")
    first_update.open()
    finished = holder.finish()

    assert stopped.returncode == 130, stopped.stderr
    assert "interrupted by SIGTERM; nothing was changed" in stopped.stderr
    assert lock is not None
    assert lock["pid"] == holder.pid  # the holder's lock was left alone
    assert finished.returncode == 0, finished.stderr
    assert consistent_tag(stack) == NEW


# -- 11.1: SIGKILL cannot be caught: status names the damage, the next run repairs ------


def test_after_sigkill_status_names_the_drift_and_the_next_release_repairs(
    e2e_stack, proxy, spawn, deploy
):
    # The same state repaired by ``rollback``: test_rollback.py, in-process.
    stack = e2e_stack
    functions = stack.functions("lambda")
    in_flight = proxy.hold(lambda_update(functions[1]))
    killed = spawn(
        "release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1", "--lock-ttl", "1"
    )
    in_flight.wait_arrived()
    killed.send(signal.SIGKILL)
    assert killed.finish().returncode == -signal.SIGKILL
    # The killed release's update of functions[1] stays held at the proxy: it never
    # lands (opened at teardown, it is refused: its RevisionId is stale by then).

    status = deploy("status", "--json")
    assert status.returncode == 6, status.stderr
    (image,) = json.loads(status.stdout)["images"]
    assert image["recordedTag"] == NEW
    assert {t["name"] for t in image["targets"] if t["drift"]} == set(functions[1:])
    assert image["lock"]["pid"] == killed.pid

    fixed = deploy(
        "release", "--image", "lambda", "--tag", NEW, "--lock-wait", "30", "--break-expired-lock"
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "breaking expired lock" in fixed.stderr
    assert consistent_tag(stack) == NEW  # what status checks: no drift left
    assert stack.lock_value("lambda") is None


# -- 11.3: a lost response still leaves the failed tag marked ---------------------------


def test_lost_put_responses_are_all_recorded_and_rollback_skips_them(e2e_stack, proxy, deploy):
    stack = e2e_stack
    released(stack, NEWER)
    before = stack.state("lambda")
    lost = proxy.add(
        Rule(
            ssm("PutParameter", Name=tag_parameter(stack), Value=NEW),
            500,
            "InternalServerError",
            forward=True,
        )
    )

    failed = deploy("release", "--image", "lambda", "--tag", NEW)

    assert failed.returncode == 1, failed.stderr
    assert stack.state("lambda") == before
    written = [int(v["Version"]) for v in stack.history("lambda") if v["Value"] == NEW]
    assert len(written) == lost.hits > 1  # botocore retried: several versions of NEW
    assert set(written) <= set(stack.failed_record("lambda"))
    rollback = deploy("rollback", "--image", "lambda", "--json")
    assert rollback.returncode == 0, rollback.stderr
    assert json.loads(rollback.stdout)["tag"] == OLD


# -- 11.7: "cannot ask" is not "not there" ----------------------------------------------


@pytest.mark.parametrize(
    ("environment", "fault", "message"),
    [
        ({"AWS_REGION": None, "AWS_DEFAULT_REGION": None}, None, "no AWS region"),
        ({"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}, None, "NoCredentialsError"),
        ({}, ("DescribeImages", 400, "AccessDeniedException"), "AccessDeniedException"),
    ],
)
def test_exists_exits_5_when_aws_cannot_be_asked(deploy, proxy, environment, fault, message):
    # Other unanswered questions (a 5xx that outlasts the retries, a denied
    # DescribeRepositories) are in test_cli.py, in-process.
    if fault is not None:
        operation, status, code = fault
        proxy.add(Rule(ecr(operation), status, code))

    run = deploy("exists", "--image", "lambda", "--tag", NEW, **environment)

    assert run.returncode == 5, run.stderr
    assert message in run.stderr


def test_malformed_tag_is_refused_before_any_aws_call(deploy, proxy):
    calls = proxy.add(Rule(any_request, 500, "InternalServerError"))

    run = deploy(
        "release", "--image", "lambda", "--tag", "LATEST",
        AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
    )  # fmt: skip

    assert run.returncode == 2, run.stderr
    assert "'LATEST' is malformed" in run.stderr
    assert calls.hits == 0


# -- issue 21.3: a signal once the release is over changes nothing ----------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_after_the_result_is_printed_still_exits_0(e2e_stack, spawn, signum):
    stack = e2e_stack
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--json")
    release.wait_for_stdout('"ok": true')

    # From the moment the result is out until the process is gone, signal it again and
    # again, so some signal lands in every part of its way out (handlers, shutdown).
    while release.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            release.send(signum)
        time.sleep(0.001)
    finished = release.finish()

    assert finished.returncode == 0, finished.stderr
    assert finished.json()["ok"] is True
    assert consistent_tag(stack) == NEW
    assert stack.lock_value("lambda") is None


# -- issue 21.5: a broken lock's old owner restores and unlocks by compare-and-set -------


def test_a_release_whose_lock_was_broken_leaves_the_newer_release_alone(e2e_stack, proxy, spawn):
    """A outlives its 1 s lock; B breaks it and releases NEWER while A still runs.

    A is held at its first update; B is held at its unlock, after it has moved every
    function. A then goes on: its updates meet B's changes and are refused, and it
    restores. The tag parameter's newest version is B's, so A leaves it; the lock holds
    B's token, so A leaves that too.
    """
    stack = e2e_stack
    stack.push("lambda", NEWER)
    functions = stack.functions("lambda")
    lock = f"{tag_parameter(stack).rsplit('/', 1)[0]}/release-lock"
    deletes: list[str] = []

    def b_unlocks(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        # B deletes the lock twice: breaking A's, then its own at the end.
        if ssm("DeleteParameter", Name=lock)(method, path, headers, body):
            deletes.append(path)
            return len(deletes) == 2
        return False

    a_updates = proxy.hold(lambda_update(functions[0], NEW))
    a = spawn(
        "release", "--image", "lambda", "--tag", NEW, "--lock-ttl", "1",
        "--max-concurrency", "1", "--json",
    )  # fmt: skip
    a_updates.wait_arrived()  # A holds the lock and has written NEW
    b_unlock = proxy.hold(b_unlocks)
    b = spawn(
        "release", "--image", "lambda", "--tag", NEWER, "--lock-wait", "30",
        "--break-expired-lock", "--json",
    )  # fmt: skip
    b_unlock.wait_arrived()  # B broke A's expired lock and released NEWER everywhere

    a_updates.open()
    finished_a = a.finish()
    lock_after_a = stack.lock_value("lambda")
    b_unlock.open()
    finished_b = b.finish()

    assert finished_a.returncode == 3, finished_a.stderr
    (attention,) = finished_a.json()["needsAttention"]
    assert f"SSM parameter {tag_parameter(stack)}: not set back to {OLD!r}" in attention
    assert "written by someone else" in attention
    assert lock_after_a is not None
    assert lock_after_a["pid"] == b.pid  # A did not delete B's lock
    assert "no longer this process's" in finished_a.stderr
    assert finished_b.returncode == 0, finished_b.stderr
    assert consistent_tag(stack) == NEWER
    assert stack.lock_value("lambda") is None
