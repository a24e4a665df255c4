"""The upgrade to schema 4 end to end (issue 24): ``hold`` under the older manifest's SSM
lock while ``pulumi up`` publishes schema 4, then the table's lock for ``hold`` and
``promote``.

The held command is test_e2e_hold.py's script (it waits for the test's go-file); the
test publishes schema 4 while it runs, as ``pulumi up`` would.
"""

from __future__ import annotations

import json

import pytest

from .fakes import NEW, OLD, FakeStack, lock_holder
from .promotion_fakes import BUILD_ACCOUNT as BUILD
from .promotion_fakes import publish_promoted_manifest
from .test_e2e_hold import held, wait_for
from .test_e2e_promote_refusals import PROMOTE, refused

pytestmark = pytest.mark.e2e


def lock_key(stack: FakeStack) -> str:
    return str(stack.images["lambda"]["lockParameter"])


def test_a_release_of_schema_4_waits_for_the_hold_that_published_it(traffic_stack, spawn, tmp_path):
    stack = traffic_stack  # schema 2: the SSM lock, no table yet
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")
    ssm_lock = stack.lock_value("lambda")
    stack.use_lock_table()  # pulumi up creates the table and publishes schema 4

    refused = spawn("release", "--image", "lambda", "--tag", NEW).finish()
    item_after_refusal = stack.lock_item("lambda")
    waiting = spawn("release", "--image", "lambda", "--tag", NEW, "--lock-wait", "60")
    waiting.wait_for_line("waiting")
    (tmp_path / "go").touch()
    hold_done, release_done = holding.finish(), waiting.finish()

    assert ssm_lock is not None
    assert ssm_lock["pid"] == holding.pid
    assert refused.returncode == 4, refused.stderr
    assert (
        f"another release holds release lock {lock_key(stack)} (the SSM parameter that "
        f"releases and hold of a manifest before schema 4 take): hold of image lambda by pid "
        f"{holding.pid}"
    ) in refused.stderr
    assert "giving the table's lock back" in refused.stderr
    assert item_after_refusal is None  # the guard gave back the item it had taken
    assert hold_done.returncode == 0, hold_done.stderr
    assert release_done.returncode == 0, release_done.stderr
    assert stack.recorded_tag("lambda") == NEW
    assert stack.lock_value("lambda") is None
    assert stack.lock_item("lambda") is None


def test_hold_of_schema_4_takes_the_tables_lock(table_stack, spawn, tmp_path):
    stack = table_stack
    holding = spawn("hold", "--image", "lambda", "--", *held(tmp_path, stack))
    wait_for(tmp_path / "started")
    item = stack.lock_item("lambda")

    blocked = spawn("release", "--image", "lambda", "--tag", NEW).finish()
    (tmp_path / "go").touch()
    done = holding.finish()

    assert item is not None
    assert json.loads(item["holder"]["S"])["command"] == "hold"
    assert stack.lock_value("lambda") is None  # no SSM lock in schema 4
    assert blocked.returncode == 4, blocked.stderr
    assert f"in DynamoDB table {stack.lock_table}: hold of image lambda" in blocked.stderr
    assert stack.recorded_tag("lambda") == OLD
    assert done.returncode == 0, done.stderr
    assert stack.lock_item("lambda") is None


def test_promote_in_a_schema_4_promoted_stage_takes_its_tables_lock(stages, deploy):
    prod = stages.prod
    prod.use_lock_table()
    account = stages.reader_role_arn.split(":")[4]
    document = publish_promoted_manifest(stages, account)  # schema 4 with stage
    assert (document["schema"], document["lockTable"]) == (4, "demo-prod-release-locks")
    prod.put_lock_item("lambda", lock_holder(4242))

    blocked = deploy("promote", "--image", "lambda", "--from", "dev")
    key = {"lockKey": {"S": lock_key(prod)}}
    prod.dynamodb.delete_item(TableName="demo-prod-release-locks", Key=key)
    run = deploy("promote", "--image", "lambda", "--from", "dev", "--json")

    assert blocked.returncode == 4, blocked.stderr
    assert "in DynamoDB table demo-prod-release-locks: release of image lambda by pid 4242" in (
        blocked.stderr
    )
    assert run.returncode == 0, run.stderr
    assert stages.recorded("lambda") == (NEW, stages.digest("lambda", NEW))
    assert prod.lock_item("lambda") is None
    assert prod.lock_value("lambda") is None


def test_a_build_stage_manifest_of_a_schema_4_promoted_stage_is_refused(stages, deploy):
    dev, prod = stages.dev, stages.prod
    prod.use_lock_table()
    # dev's parameter holds a promoted stage's manifest (prod's schema 4, copied there).
    dev.publish_manifest(json.dumps(publish_promoted_manifest(stages, BUILD)))

    run = refused(stages, deploy, *PROMOTE)

    assert (
        f"stage dev's deploy manifest {dev.manifest_parameter} is stack 'prod''s, a promoted "
        "stage's (schema 4 with stage), which builds nothing to promote from"
    ) in run.stderr
