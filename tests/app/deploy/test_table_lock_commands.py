"""The commands with a schema-4 manifest, in-process against moto: each takes the table's
lock, never the SSM one, and reads it for ``--dry-run`` and ``status``.

The image is run by an ECS service only (schema 2's rules allow it), so a release in
moto needs no CodeDeploy; the end-to-end tests (test_e2e_table_lock.py) release
functions behind aliases with the CodeDeploy double.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import pytest

from app.deploy.exceptions import ImageTagNotFoundError
from app.deploy.status import collect_status

from .fakes import NEW, NEWER, OLD, FakeStack, FaultyClient, lock_holder

IMAGE = "web"


@pytest.fixture
def ecs_table_stack(stack, make_releaser) -> FakeStack:
    """Schema 4: image web (one ECS service) released on OLD, NEW pushed."""
    stack.add_image(IMAGE, ecs_services=1)
    stack.use_lock_table()
    for tag in (OLD, NEW):
        stack.push(IMAGE, tag)
    make_releaser().release(IMAGE, OLD, imagedefinitions=None)
    assert stack.recorded_tag(IMAGE) == OLD
    return stack


def lock_name(stack: FakeStack) -> str:
    return str(stack.images[IMAGE]["lockParameter"])


def plant(stack: FakeStack, pid: int) -> None:
    """A holder's item, as another release would have put it."""
    stack.put_lock_item(IMAGE, lock_holder(pid, image=IMAGE))


def test_release_rollback_and_release_recorded_take_the_tables_lock_only(
    ecs_table_stack, make_releaser, tmp_path
):
    stack = ecs_table_stack
    dynamodb, ssm = FaultyClient(stack.dynamodb), FaultyClient(stack.ssm)
    definitions = tmp_path / "imagedefinitions.json"

    make_releaser(dynamodb=dynamodb, ssm=ssm).release(IMAGE, NEW, imagedefinitions=definitions)
    assert stack.recorded_tag(IMAGE) == NEW
    make_releaser(dynamodb=dynamodb, ssm=ssm).rollback(IMAGE, imagedefinitions=None)
    assert stack.recorded_tag(IMAGE) == OLD
    recorded = make_releaser(dynamodb=dynamodb, ssm=ssm).release_recorded(
        IMAGE, imagedefinitions=None
    )

    assert recorded is not None
    assert recorded.tag == OLD
    name = lock_name(stack)
    puts = dynamodb.calls_to("put_item")
    assert [p["Item"]["lockKey"] for p in puts] == [{"S": name}] * 3
    assert {p["TableName"] for p in puts} == {stack.lock_table}
    deletes = dynamodb.calls_to("delete_item")
    assert [d["ExpressionAttributeValues"][":mine"] for d in deletes] == [
        {"S": p["Item"]["token"]["S"]} for p in puts
    ]
    # The SSM lock is only read (the upgrade guard), never written.
    assert [c["Name"] for c in ssm.calls_to("get_parameter") if c["Name"] == name] == [name] * 3
    assert not [c for c in ssm.calls_to("put_parameter") if c["Name"] == name]
    assert ssm.calls_to("delete_parameter") == []
    assert stack.lock_item(IMAGE) is None
    assert json.loads(definitions.read_text())[0]["imageUri"] == stack.uri(IMAGE, NEW)


def test_a_held_table_lock_refuses_a_release_and_leaves_the_holder(ecs_table_stack, make_releaser):
    plant(ecs_table_stack, pid=4242)

    with pytest.raises(Exception, match=r"in DynamoDB table demo-test-release-locks: .*pid 4242"):
        make_releaser().release(IMAGE, NEW, imagedefinitions=None)

    assert json.loads(ecs_table_stack.lock_item(IMAGE)["holder"]["S"])["pid"] == 4242
    assert ecs_table_stack.recorded_tag(IMAGE) == OLD


def test_a_release_refused_for_bad_input_drops_the_item_it_took(ecs_table_stack, make_releaser):
    with pytest.raises(ImageTagNotFoundError):
        make_releaser().release(IMAGE, NEWER, imagedefinitions=None)

    assert ecs_table_stack.lock_item(IMAGE) is None


@pytest.mark.parametrize("where", ["table", "ssm"])
def test_dry_run_notes_the_holder_of_the_table_or_of_the_older_ssm_lock(
    ecs_table_stack, make_releaser, where
):
    if where == "table":
        plant(ecs_table_stack, pid=4242)
    else:
        holder = lock_holder(4242, command="hold", image=IMAGE, host="old-host")
        ecs_table_stack.ssm.put_parameter(
            Name=lock_name(ecs_table_stack), Value=json.dumps(holder), Type="String"
        )
    before = ecs_table_stack.lock_item(IMAGE)

    plan = make_releaser().plan_release(IMAGE, NEW, imagedefinitions=None)

    (note,) = [n for n in plan.notes if "release lock" in n]
    assert f"release lock {lock_name(ecs_table_stack)} is held by " in note
    assert "by pid 4242 on" in note
    assert ecs_table_stack.lock_item(IMAGE) == before  # a dry run takes nothing


def test_status_shows_the_tables_holder(ecs_table_stack, make_releaser):
    plant(ecs_table_stack, pid=4242)
    releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    assert image.lock is not None
    assert image.lock.owner.pid == 4242
    assert image.to_dict()["lock"]["pid"] == 4242


def race(backend: Any, table: str, key: str) -> list[str]:
    """Two threads put ``key`` with ``attribute_not_exists`` at once; who succeeded."""
    from moto.dynamodb.exceptions import ConditionalCheckFailed

    wins: list[str] = []
    barrier = threading.Barrier(2)

    def put(who: str) -> None:
        barrier.wait()
        try:
            backend.put_item(
                table,
                {"lockKey": {"S": key}, "token": {"S": who}},
                condition_expression="attribute_not_exists(lockKey)",
            )
            wins.append(who)
        except ConditionalCheckFailed:
            pass

    threads = [threading.Thread(target=put, args=(who,)) for who in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wins


def test_moto_as_patched_serialises_dynamodbs_conditional_puts(ecs_table_stack):
    """moto_aws.py's patch: of two threads putting one key with attribute_not_exists at
    once, exactly one wins, every time (without it, 180 of 300 rounds had two)."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["us-east-1"]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        winners = [race(backend, ecs_table_stack.lock_table, f"race-{n}") for n in range(100)]
    finally:
        sys.setswitchinterval(interval)
    assert [len(wins) for wins in winners] == [1] * 100
