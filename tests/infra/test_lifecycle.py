"""Per stack: data protected from destroy and replacement (prod), or a stack that
`pulumi destroy` can take down completely (dev)."""

from __future__ import annotations

import pytest

from infra_pulumi.plan import Plan, PlannedResource, evaluate
from infra_pulumi.plan.mocks import released

DATA = {
    "container-delivery:ecr:ImageRepository": "repositories",
    "container-delivery:ssm:ImageTagParameter": "tag parameters",
    "container-delivery:kms:StackKey": "the stack's key",
    "container-delivery:pipeline:ArtifactBucket": "the artifact bucket",
    "container-delivery:logs:AccessLogBucket": "the access-log bucket",
}


def data_resources(plan: Plan) -> list[PlannedResource]:
    """Every resource inside a data-bearing component (the component and its children)."""
    return [
        r for r in plan.resources if any(f"{token}$" in r.urn or r.type == token for token in DATA)
    ]


@pytest.fixture(scope="module")
def prod() -> Plan:
    # Released: prod's own settings (requireRelease, so data protected and logs on).
    return evaluate("prod", invokes=released("abc1234"))


@pytest.fixture(scope="module")
def dev() -> Plan:
    from tests.infra.test_invoke_permissions import with_roles

    return evaluate("dev", config=with_roles("dev"))


def test_prod_protects_every_data_bearing_resource(prod: Plan) -> None:
    found = data_resources(prod)
    kinds = {token for token in DATA for r in found if token in r.urn}
    assert kinds == set(DATA), kinds
    unprotected = [r.urn for r in found if not r.protect]
    assert unprotected == []
    for repository in prod.of_type("aws:ecr/repository:Repository"):
        assert repository.inputs["forceDelete"] is False, repository.urn
    for bucket in prod.of_type("aws:s3/bucket:Bucket"):
        assert bucket.inputs["forceDestroy"] is False, bucket.urn


def test_dev_can_be_destroyed(dev: Plan) -> None:
    assert not [r.urn for r in dev.resources if r.protect]
    repositories = dev.of_type("aws:ecr/repository:Repository")
    assert len(repositories) == 2
    for repository in repositories:
        # A repository with images deletes only with force_delete (ECR DeleteRepository
        # refuses RepositoryNotEmptyException otherwise).
        assert repository.inputs["forceDelete"] is True, repository.urn
    (bucket,) = dev.of_type("aws:s3/bucket:Bucket")
    # S3 deletes only an empty bucket; force_destroy empties it first.
    assert bucket.inputs["forceDestroy"] is True, bucket.urn


def test_protect_data_overrides_the_default(dev: Plan) -> None:
    protected = evaluate("dev", config={"protectData": "true"})
    assert {r.type for r in protected.resources if r.protect} >= {
        "aws:ecr/repository:Repository",
        "aws:ssm/parameter:Parameter",
    }
    unprotected = evaluate(
        "prod",
        config={"protectData": "false"},
        invokes=released("abc1234"),
    )
    assert not [r.urn for r in unprotected.resources if r.protect]
