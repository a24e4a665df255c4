"""``hold``: the infra deploy stage's ``pulumi up`` under the release locks, end to end.

Real processes against one moto server over HTTP. The held command is a small Python
script that tells the test where it is through files (it waits for a file the test
writes), so nothing here is ordered by sleeping.
"""

from __future__ import annotations

import signal
import sys
import textwrap
from pathlib import Path

import pytest

from .fakes import NEW, OLD, FakeStack
from .faultproxy import lambda_update

pytestmark = pytest.mark.e2e

#: The held command: records that it started (with the recorded tag it saw, read from
#: SSM as pulumi up would), each signal it gets, then waits for the test's go-file.
SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    import boto3

    here = Path(sys.argv[1])
    parameter = sys.argv[2]

    def note(signum, frame):
        with (here / "signals").open("a") as f:
            f.write(signal.Signals(signum).name + "\\n")
        (here / "go").touch()

    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)
    ssm = boto3.client("ssm", region_name=os.environ["AWS_REGION"])
    value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    (here / "started").write_text(value)
    while not (here / "go").exists():
        time.sleep(0.05)
    sys.exit(int(sys.argv[3]))
    """
)


def held(tmp_path: Path, stack: FakeStack, exit_code: int = 0) -> list[str]:
    script = tmp_path / "held.py"
    script.write_text(SCRIPT)
    parameter = str(stack.images["lambda"]["tagParameter"])
    return [sys.executable, str(script), str(tmp_path), parameter, str(exit_code)]


def wait_for(path: Path, timeout: float = 60) -> None:
    """Until the held command has written ``path`` (bounded, for a broken test only)."""
    import time

    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_release_cannot_start_while_pulumi_up_holds_the_lock(e2e_stack, spawn, tmp_path):
    stack = e2e_stack
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")

    blocked = spawn("release", "--image", "lambda", "--tag", NEW).finish()

    assert blocked.returncode == 4, blocked.stderr
    assert "hold" in blocked.stderr  # the holder's command is named
    assert stack.state("lambda")["tag"] == OLD  # nothing was touched
    (tmp_path / "go").touch()
    done = holding.finish()
    assert done.returncode == 0, done.stderr
    assert stack.lock_value("lambda") is None
    after = spawn("release", "--image", "lambda", "--tag", NEW).finish()
    assert after.returncode == 0, after.stderr


def test_pulumi_up_waits_for_a_running_release(e2e_stack, proxy, spawn, tmp_path):
    """The held command starts only once the release has finished: it reads NEW."""
    stack = e2e_stack
    update = proxy.hold(lambda_update(stack.functions("lambda")[0]))
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1")
    update.wait_arrived()  # the release holds the lock and is changing things
    holding = spawn("hold", "--image", "lambda", "--lock-wait", "120", "--", *held(tmp_path, stack))
    holding.wait_for_line("waiting")
    assert not (tmp_path / "started").exists()
    update.open()
    assert release.finish().returncode == 0
    wait_for(tmp_path / "started")
    (tmp_path / "go").touch()
    assert holding.finish().returncode == 0
    assert (tmp_path / "started").read_text() == NEW


def test_hold_exits_with_the_commands_code_and_the_lock_goes(e2e_stack, spawn, tmp_path):
    stack = e2e_stack
    (tmp_path / "go").touch()  # run straight through
    done = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack, exit_code=7)).finish()
    assert done.returncode == 7, done.stderr
    assert "exited 7" in done.stderr
    assert stack.lock_value("lambda") is None


def test_a_signal_is_passed_on_once_and_the_lock_released_after_the_command(
    e2e_stack, spawn, tmp_path
):
    stack = e2e_stack
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")

    holding.send(signal.SIGTERM)
    done = holding.finish()

    # The command got SIGTERM exactly once (in its own session: not also from a group),
    # decided its own exit, and only then were the locks released.
    assert (tmp_path / "signals").read_text().splitlines() == ["SIGTERM"]
    assert done.returncode == 0, done.stderr
    assert stack.lock_value("lambda") is None


def test_a_held_lock_stops_hold_before_the_command_runs(e2e_stack, proxy, spawn, tmp_path):
    stack = e2e_stack
    update = proxy.hold(lambda_update(stack.functions("lambda")[0]))
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "1")
    update.wait_arrived()

    blocked = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack)).finish()

    assert blocked.returncode == 4, blocked.stderr
    assert not (tmp_path / "started").exists()
    update.open()
    assert release.finish().returncode == 0


def test_release_recorded_reads_the_tag_under_the_lock(e2e_stack, deploy):
    stack = e2e_stack
    parameter = str(stack.images["lambda"]["tagParameter"])
    # What an app release that recorded NEW but had not reached the functions leaves,
    # or the infra deploy stage sees after a configuration change: release what is recorded.
    stack.ssm.put_parameter(Name=parameter, Value=NEW, Type="String", Overwrite=True)

    done = deploy("release", "--image", "lambda", "--recorded")

    assert done.returncode == 0, done.stderr
    state = stack.state("lambda")
    assert state["tag"] == NEW
    assert set(state["functions"].values()) == {stack.uri("lambda", NEW)}


def test_release_recorded_of_the_placeholder_releases_nothing(e2e_stack, deploy):
    stack = e2e_stack
    parameter = str(stack.images["lambda"]["tagParameter"])
    stack.ssm.put_parameter(Name=parameter, Value="initial", Type="String", Overwrite=True)

    done = deploy("release", "--image", "lambda", "--recorded", "--json")

    assert done.returncode == 0, done.stderr
    assert '"noop": true' in done.stdout
    assert "nothing to release" in done.stderr
    assert set(stack.state("lambda")["functions"].values()) == {stack.uri("lambda", OLD)}
    assert stack.lock_value("lambda") is None


def test_hold_without_a_command_is_bad_input(e2e_stack, deploy):
    done = deploy("hold", "--image", "lambda")
    assert done.returncode == 2
    assert "hold needs a command" in done.stderr


def test_a_command_that_cannot_start_is_bad_input_and_the_lock_goes(e2e_stack, deploy):
    done = deploy("hold", "--image", "lambda", "--", "/nonexistent/pulumi", "up")

    assert done.returncode == 2, done.stderr
    assert "cannot run '/nonexistent/pulumi': No such file or directory" in done.stderr
    assert "check the command after `--`" in done.stderr
    assert e2e_stack.lock_value("lambda") is None
