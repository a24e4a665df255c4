"""The stack rule that every taggable resource carries the project's tags."""

from __future__ import annotations

from infra_pulumi.plan.policy_run import session
from infra_pulumi.plan.runner import Plan
from tests.policy.conftest import CONFIG, POLICY_DIR, PROJECT, STACK, Check, of, resource


def test_default_tags_reach_every_taggable_resource(check: Check) -> None:
    queue = resource("aws:sqs/queue:Queue", "queue", {"name": "shop-test-q"})
    # A role policy takes no tags (its schema has no tagsAll): the rule leaves it alone.
    policy = resource("aws:iam/rolePolicy:RolePolicy", "p", {"role": "r", "policy": "{}"})
    assert not of(check(queue, policy), "project-tags")


def test_a_resource_overriding_a_project_tag_is_reported(check: Check) -> None:
    queue = resource(
        "aws:sqs/queue:Queue", "queue", {"name": "shop-test-q", "tags": {"stack": "prod"}}
    )
    found = of(check(queue), "project-tags")
    assert len(found) == 1
    assert found[0].urn.endswith("::queue")
    assert "tag 'stack' is 'prod', not 'test'" in found[0].message


def test_without_default_tags_every_taggable_resource_is_reported() -> None:
    untagged = {"aws:region": CONFIG["aws:region"]}
    queue = resource("aws:sqs/queue:Queue", "queue", {"name": "shop-test-q"})
    tagged = resource(
        "aws:sqs/queue:Queue",
        "tagged",
        {"name": "shop-test-t", "tags": {"project": PROJECT, "stack": STACK}},
    )
    with session(POLICY_DIR, PROJECT, STACK, untagged) as pack:
        pack.configure({})
        violations = pack.analyze(Plan(PROJECT, STACK, [queue, tagged]), untagged).violations
    found = of(violations, "project-tags")
    assert [v.urn.rsplit("::", 1)[-1] for v in found] == ["queue"]
    assert "no 'project' tag; no 'stack' tag" in found[0].message


def test_the_required_tags_are_config(check: Check) -> None:
    queue = resource("aws:sqs/queue:Queue", "queue", {"name": "shop-test-q"})
    config = {"project-tags": {"requiredTags": {"project": "{project}", "cost-center": "*"}}}
    found = of(check(queue, policy_config=config), "project-tags")
    assert found
    assert "no 'cost-center' tag" in found[0].message
    tagged = resource("aws:sqs/queue:Queue", "queue", {"name": "q", "tags": {"cost-center": "42"}})
    assert not of(check(tagged, policy_config=config), "project-tags")


def test_the_release_lock_table_carries_the_project_tags() -> None:
    """A data resource like any other: DynamoDB tables take tags, so the rule checks them."""
    untagged = {"aws:region": CONFIG["aws:region"]}
    table = resource("aws:dynamodb/table:Table", "locks", {"name": "shop-test-release-locks"})
    with session(POLICY_DIR, PROJECT, STACK, untagged) as pack:
        pack.configure({})
        violations = pack.analyze(Plan(PROJECT, STACK, [table]), untagged).violations
    assert [v.urn.rsplit("::", 1)[-1] for v in of(violations, "project-tags")] == ["locks"]
