"""The SSM lock's manifest recheck end to end (app/deploy/recheck.py): a release that
waited for the lock while the manifest changed starts over with the new one.

Real processes against one moto server over HTTP. Where a test needs a release at a
point (its lock's create sent, not yet answered), the fault proxy holds that request.
"""

from __future__ import annotations

import pytest

from app.deploy.recheck import MAX_RESTARTS

from .fakes import NEW, OLD, lock_holder
from .faultproxy import Rule, ssm
from .test_e2e_hold import held, wait_for

pytestmark = pytest.mark.e2e


def test_a_release_of_the_older_manifest_never_runs_beside_a_schema_4_release(
    traffic_stack, spawn, tmp_path
):
    """The upgrade's window: A read schema 2 and waits for the hold around ``pulumi up``;
    ``pulumi up`` publishes schema 4, and B, a schema-4 release, takes the item (its
    guard read the SSM lock before A's create). A takes the SSM lock, sees schema 4,
    gives the SSM lock back and waits on the table for B."""
    stack = traffic_stack
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")
    release_a = spawn("release", "--image", "lambda", "--tag", NEW, "--lock-wait", "60")
    release_a.wait_for_line("waiting")
    stack.use_lock_table()  # pulumi up publishes schema 4
    stack.put_lock_item("lambda", lock_holder(4242))  # B holds the item
    serving = stack.serving("lambda")
    (tmp_path / "go").touch()
    assert holding.finish().returncode == 0

    restart = release_a.wait_for_line("starting over")
    waiting = release_a.wait_for_line("release of image lambda by pid 4242")
    # While B holds the item, A has changed nothing and holds no SSM lock.
    assert stack.recorded_tag("lambda") == OLD
    assert stack.serving("lambda") == serving
    assert stack.lock_value("lambda") is None
    key = {"lockKey": {"S": str(stack.images["lambda"]["lockParameter"])}}
    stack.dynamodb.delete_item(TableName=stack.lock_table, Key=key)  # B is done
    done = release_a.finish()

    assert "changed (now schema 4) while release of lambda waited" in restart
    assert "restart 1 of at most 3" in restart
    assert "waiting" in waiting
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("starting over") == 1
    assert stack.recorded_tag("lambda") == NEW
    assert stack.lock_item("lambda") is None


def test_a_release_that_waited_releases_to_a_function_added_meanwhile(e2e_stack, spawn, tmp_path):
    stack = e2e_stack
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")
    waiting = spawn("release", "--image", "lambda", "--tag", NEW, "--lock-wait", "60")
    waiting.wait_for_line("waiting")
    added = stack.prefix("lambda-added")  # pulumi up adds a function to the image
    stack.lambda_.create_function(
        FunctionName=added,
        Role=stack.role_arn,
        PackageType="Image",
        Code={"ImageUri": stack.uri("lambda", OLD)},
    )
    stack.images["lambda"]["lambdaFunctions"].append(added)
    stack.publish_manifest()
    (tmp_path / "go").touch()
    assert holding.finish().returncode == 0
    done = waiting.finish()

    assert done.returncode == 0, done.stderr
    assert "changed (now schema 1) while release of lambda waited" in done.stderr
    assert stack.function_images("lambda") == dict.fromkeys(
        stack.functions("lambda"), stack.uri("lambda", NEW)
    )
    assert added in stack.functions("lambda")
    assert stack.lock_value("lambda") is None


def test_an_unchanged_manifest_does_not_restart_a_release_that_waited(e2e_stack, spawn, tmp_path):
    stack = e2e_stack
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")
    waiting = spawn("release", "--image", "lambda", "--tag", NEW, "--lock-wait", "60")
    waiting.wait_for_line("waiting")
    stack.publish_manifest()  # written again, the same value (a new version)
    (tmp_path / "go").touch()
    assert holding.finish().returncode == 0
    done = waiting.finish()

    assert done.returncode == 0, done.stderr
    assert "starting over" not in done.stderr
    assert stack.recorded_tag("lambda") == NEW


def lock_create(stack):
    """The SSM lock's create (its name in every schema: the tag parameter's folder)."""
    folder = str(stack.images["lambda"]["tagParameter"]).rsplit("/", 1)[0]
    return ssm("PutParameter", Name=f"{folder}/release-lock")


def republish_at_each_create(stack, proxy, times: int) -> None:
    """Each of the next ``times`` lock creates is held while the manifest is written again
    with a different value (a trailing space more: the same JSON document)."""
    holds = [proxy.hold(lock_create(stack)) for _ in range(times)]
    for hold in holds:
        hold.wait_arrived()
        value = stack.ssm.get_parameter(Name=stack.manifest_parameter)["Parameter"]["Value"]
        stack.publish_manifest(value + " ")
        hold.open()


@pytest.mark.parametrize(
    "command",
    [["rollback"], ["release", "--recorded"], ["release", "--tag", NEW]],
    ids=["rollback", "release-recorded", "release"],
)
def test_each_command_under_the_lock_rechecks_the_manifest(
    traffic_stack, proxy, spawn, deploy, command
):
    stack = traffic_stack
    first = deploy("release", "--image", "lambda", "--tag", NEW)
    assert first.returncode == 0, first.stderr
    expected = OLD if command == ["rollback"] else NEW
    running = spawn(*command, "--image", "lambda")
    republish_at_each_create(stack, proxy, 1)
    done = running.finish()

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("starting over") == 1
    assert stack.recorded_tag("lambda") == expected
    assert stack.lock_value("lambda") is None


def test_promote_rechecks_the_manifest(stages, proxy, spawn):
    running = spawn("promote", "--image", "lambda", "--from", "dev", "--json")
    republish_at_each_create(stages.prod, proxy, 1)
    done = running.finish()

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("starting over") == 1
    assert "changed (now schema 3) while promote of lambda waited" in done.stderr
    assert stages.recorded("lambda") == (NEW, stages.digest("lambda", NEW))
    assert stages.prod.lock_value("lambda") is None


def test_restarts_are_bounded(e2e_stack, proxy, spawn):
    stack = e2e_stack
    running = spawn("release", "--image", "lambda", "--tag", NEW, "--json")
    republish_at_each_create(stack, proxy, MAX_RESTARTS + 1)
    done = running.finish()

    assert done.returncode == 4, done.stderr
    assert done.stderr.count("starting over") == MAX_RESTARTS
    assert f"stopped after {MAX_RESTARTS} restarts; nothing was changed" in done.stderr
    assert done.json()["errorType"] == "ManifestChangedError"
    assert stack.recorded_tag("lambda") == OLD
    assert set(stack.function_images("lambda").values()) == {stack.uri("lambda", OLD)}
    assert stack.lock_value("lambda") is None


def test_a_failed_recheck_gives_the_lock_back_and_changes_nothing(e2e_stack, proxy, deploy):
    stack = e2e_stack
    reads = []

    def second_manifest_read(method, path, headers, body):
        if ssm("GetParameter", Name=stack.manifest_parameter)(method, path, headers, body):
            reads.append(body)
            return len(reads) == 2
        return False

    proxy.add(Rule(second_manifest_read, 400, "AccessDeniedException"))
    done = deploy("release", "--image", "lambda", "--tag", NEW)

    assert done.returncode == 5, done.stderr
    assert "could not ask AWS" in done.stderr
    assert "nothing was changed" in done.stderr
    assert stack.recorded_tag("lambda") == OLD
    assert stack.lock_value("lambda") is None


def test_hold_rechecks_the_manifest_before_its_command_runs(e2e_stack, proxy, spawn, tmp_path):
    """A ``hold`` that waited while the manifest changed (another ``hold`` around the
    ``pulumi up`` that published it) starts over before its own command runs."""
    stack = e2e_stack
    (tmp_path / "go").touch()
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    republish_at_each_create(stack, proxy, 1)
    done = holding.finish()

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("starting over") == 1
    assert done.stderr.count("with the locks of") == 1  # its command ran once, after it
    assert stack.lock_value("lambda") is None
