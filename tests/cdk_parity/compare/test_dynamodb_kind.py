"""The dynamodb-table kind on the real run: the lock table reads alike on both sides, and a
difference planted in a copy of the CDK template is seen.

Expected values are the lock contract's (``lockKey`` S, on demand, the AWS managed key, no
TTL, deletion protection where the stack protects its data) and CloudFormation's words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cdk_parity.compare.run import Run
from tests.cdk_parity.compare.test_guard_kinds import (
    _entries,
    _of_type,
    _planted,
    _stack,
    _unexpected,
)


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_the_lock_table_reads_alike_on_both_sides(
    parity_run: Run, stack: str, protected: bool
) -> None:
    run = _stack(parity_run, stack)
    name = f"container-delivery-{stack}-release-locks"
    pulumi = _entries(run.pulumi, "dynamodb-table")[name].props
    cdk = _entries(run.cdk, "dynamodb-table")[name].props
    shared = {
        "partitionKey": "lockKey (S)",
        "sortKey": None,
        "attributes": ["lockKey (S)"],
        "billingMode": "PAY_PER_REQUEST",
        "encryption": "KMS: AWS managed key aws/dynamodb",
        "deletionProtection": protected,
        "ttlAttribute": None,
    }
    assert {k: pulumi[k] for k in shared} == shared
    assert {k: cdk[k] for k in shared} == shared
    # Protected data: Pulumi refuses to destroy it, CloudFormation keeps it (reviewed).
    assert (pulumi["onDelete"], cdk["onDelete"]) == (
        ("protected", "retained") if protected else ("deleted", "deleted")
    )
    assert _unexpected(run.comparison) == []


def _table(resources: dict[str, Any]) -> dict[str, Any]:
    (table,) = _of_type(resources, "AWS::DynamoDB::Table")
    properties: dict[str, Any] = table["Properties"]
    return properties


def _add_sort_key(table: dict[str, Any]) -> None:
    table["KeySchema"].append({"AttributeName": "at", "KeyType": "RANGE"})
    table["AttributeDefinitions"].append({"AttributeName": "at", "AttributeType": "S"})


PLANTED: dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]] = {
    "TTL": (
        lambda r: _table(r).update(
            TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True}
        ),
        ["ttlAttribute"],
    ),
    "AWS owned key": (lambda r: _table(r).pop("SSESpecification"), ["encryption"]),
    "a sort key": (lambda r: _add_sort_key(_table(r)), ["attributes", "sortKey"]),
    "no deletion protection": (
        lambda r: _table(r).update(DeletionProtectionEnabled=False),
        ["deletionProtection"],
    ),
}


@pytest.mark.parametrize("change", sorted(PLANTED))
def test_a_planted_difference_is_seen(parity_run: Run, change: str) -> None:
    plant, properties = PLANTED[change]
    comparison = _planted(_stack(parity_run, "prod"), plant)
    assert _unexpected(comparison) == [
        ("dynamodb-table", "container-delivery-prod-release-locks", properties)
    ]
