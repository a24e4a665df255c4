"""The release lock table: the shape the lock contract (manifest schema 4) asks for.

Expected values are the contract's, written out: partition key ``lockKey`` (S) and no sort
key, on-demand billing, the AWS managed key (SSE on, no key ARN), no TTL, deletion
protection where the stack protects its data, name ``<project>-<stack>-release-locks``.
"""

from __future__ import annotations

import pytest

from infra_pulumi.plan import Plan, PlannedResource
from tests.infra.conftest import RunProgram

TABLE = "aws:dynamodb/table:Table"


def the_table(plan: Plan) -> PlannedResource:
    (table,) = plan.of_type(TABLE)
    return table


@pytest.mark.parametrize("plan_name", ["first_deploy_plan", "prod_plan"])
def test_one_table_keyed_by_lock_key_on_demand_under_the_aws_managed_key(
    plan_name: str, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    table = the_table(plan)
    stack = "prod" if plan_name == "prod_plan" else "dev"
    inputs = table.inputs
    assert inputs["name"] == f"container-delivery-{stack}-release-locks", table.urn
    assert inputs["hashKey"] == "lockKey"
    assert "rangeKey" not in inputs
    # Only the key attribute: the provider plans a change forever for any other.
    assert inputs["attributes"] == [{"name": "lockKey", "type": "S"}]
    assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert "readCapacity" not in inputs
    assert "writeCapacity" not in inputs
    # The AWS managed key even where the stack has its own (prod): callers need no KMS grant.
    assert inputs["serverSideEncryption"] == {"enabled": True}
    assert "ttl" not in inputs  # an expired lock is broken in the open, never silently
    assert not {"globalSecondaryIndexes", "localSecondaryIndexes", "streamEnabled"} & set(inputs)


def test_production_protects_the_table_twice(prod_plan: Plan) -> None:
    """As its other data: Pulumi's protect (destroy and replacement refuse) and DynamoDB's
    own deletion protection (DeleteTable refuses, from any tool)."""
    table = the_table(prod_plan)
    assert table.protect is True
    assert table.inputs["deletionProtectionEnabled"] is True


def test_a_development_stack_can_be_torn_down(first_deploy_plan: Plan) -> None:
    table = the_table(first_deploy_plan)
    assert table.protect is False
    assert table.inputs["deletionProtectionEnabled"] is False


def test_protect_data_decides_for_the_table_as_for_the_repositories(
    run_program: RunProgram,
) -> None:
    plan = run_program(config={"protectData": True})
    table = the_table(plan)
    repositories = plan.of_type("aws:ecr/repository:Repository")
    assert table.protect is True
    assert table.inputs["deletionProtectionEnabled"] is True
    assert all(r.protect for r in repositories)


def test_the_table_is_exported(first_deploy_plan: Plan) -> None:
    assert first_deploy_plan.outputs["releaseLockTable"] == "container-delivery-dev-release-locks"


def test_the_manifest_that_names_the_table_is_published_after_it(first_deploy_plan: Plan) -> None:
    """A schema-4 manifest sends the release tool to the table: it must exist by then."""
    table = the_table(first_deploy_plan)
    manifest = first_deploy_plan.named("deploy-manifest-parameter")
    assert table.urn in manifest.dependencies
