"""The ECR lifecycle policy and pull policy documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from infra_pulumi.components.ecr import lambda_pull_policy, lifecycle_policy
from tests.infra.components.ecr_lifecycle import Image, expired

START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = START + timedelta(days=60)


def _repository(placeholder_pushed: datetime) -> list[Image]:
    """The placeholder, 40 daily commit pushes, and untagged layers of various ages."""
    images = [Image("placeholder", ("initial",), placeholder_pushed)]
    images += [
        Image(f"commit-{n:02d}", (f"{n:07x}",), START + timedelta(days=n)) for n in range(40)
    ]
    images += [Image(f"untagged-{age}", (), NOW - timedelta(days=age)) for age in (1, 6, 8, 30)]
    return images


def test_old_placeholder_survives_and_exactly_the_oldest_commits_expire() -> None:
    policy = json.loads(lifecycle_policy(30))
    gone = expired(policy, _repository(placeholder_pushed=START - timedelta(days=90)), NOW)
    assert gone == {f"commit-{n:02d}" for n in range(10)} | {"untagged-8", "untagged-30"}


def test_recently_pushed_placeholder_survives_and_counts_among_the_kept() -> None:
    policy = json.loads(lifecycle_policy(30))
    gone = expired(policy, _repository(placeholder_pushed=NOW - timedelta(days=1)), NOW)
    # Rule 3 counts the placeholder among its 30 newest, so 29 commits stay.
    assert gone == {f"commit-{n:02d}" for n in range(11)} | {"untagged-8", "untagged-30"}


def test_keep_count_and_untagged_age_come_from_the_arguments() -> None:
    policy = json.loads(lifecycle_policy(5, untagged_days=2))
    gone = expired(policy, _repository(placeholder_pushed=START), NOW)
    assert gone == {f"commit-{n:02d}" for n in range(35)} | {
        "untagged-6",
        "untagged-8",
        "untagged-30",
    }


def test_a_prefix_list_of_several_entries_selects_nothing() -> None:
    """The defect this policy replaces: 16 hex prefixes ANDed together match no tag."""
    rule = {
        "rulePriority": 1,
        "selection": {
            "tagStatus": "tagged",
            "tagPrefixList": list("0123456789abcdef"),
            "countType": "imageCountMoreThan",
            "countNumber": 1,
        },
        "action": {"type": "expire"},
    }
    assert expired({"rules": [rule]}, _repository(START), NOW) == set()


def test_rules_are_ordered_and_any_is_absent() -> None:
    rules = json.loads(lifecycle_policy(30))["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3]
    assert all(r["selection"]["tagStatus"] != "any" for r in rules)
    assert sum(r["selection"]["tagStatus"] == "untagged" for r in rules) == 1


def test_pull_policy_names_exact_functions() -> None:
    arns = ["arn:aws:lambda:us-east-1:1:function:b", "arn:aws:lambda:us-east-1:1:function:a"]
    (statement,) = json.loads(lambda_pull_policy(arns))["Statement"]
    assert statement["Condition"]["StringEquals"]["aws:sourceArn"] == sorted(arns)
    assert "*" not in json.dumps(statement)


def test_a_promoted_image_survives_newer_commits_past_keep_images() -> None:
    """prod runs commit 05's digest, promoted (tagged promoted-prod-0000005); 40 newer
    commits push it far out of the 30 newest. The promoted rule claims it before the last
    rule can expire it; without that rule it expires like any old commit."""
    images = _repository(placeholder_pushed=START - timedelta(days=90))
    images = [
        Image(i.digest, (*i.tags, "promoted-prod-0000005"), i.pushed_at)
        if i.digest == "commit-05"
        else i
        for i in images
    ]
    kept = json.loads(lifecycle_policy(30, promoted=True))
    gone = expired(kept, images, NOW)
    assert "commit-05" not in gone
    # Exactly the other commits older than the 30 newest expire, as without promotion.
    assert gone == ({f"commit-{n:02d}" for n in range(10)} - {"commit-05"}) | {
        "untagged-8",
        "untagged-30",
    }
    without = json.loads(lifecycle_policy(30))
    assert "commit-05" in expired(without, images, NOW)


def test_the_promoted_rule_keeps_only_the_newest_promotions() -> None:
    """Beyond PROMOTED_KEEP promoted images, the oldest promoted one expires: the rule
    claims them all, and expires by its own count."""
    from infra_pulumi.components.ecr import PROMOTED_KEEP

    assert PROMOTED_KEEP == 1000
    promoted = [
        Image(f"p-{n:04d}", (f"{n:07x}", f"promoted-prod-{n:07x}"), START + timedelta(hours=n))
        for n in range(1002)
    ]
    gone = expired(
        json.loads(lifecycle_policy(30, promoted=True)), promoted, NOW + timedelta(days=60)
    )
    assert gone == {"p-0000", "p-0001"}


def test_the_promoted_rule_comes_right_after_the_placeholders() -> None:
    rules = json.loads(lifecycle_policy(30, promoted=True))["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3, 4]
    assert rules[0]["selection"]["tagPatternList"] == ["initial"]
    assert rules[1]["selection"]["tagPrefixList"] == ["promoted-"]
    assert rules[3]["selection"]["tagPatternList"] == ["*"]
