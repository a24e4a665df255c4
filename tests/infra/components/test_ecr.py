"""The ECR lifecycle policy and pull policy documents."""

from __future__ import annotations

import json
import re

import pytest

from infra_pulumi.components.ecr import lambda_pull_policy, lifecycle_policy


def matches(selection: dict[str, object], tag: str) -> bool:
    """ECR's tag matching for a tagged rule: any prefix, or any wildcard pattern."""
    prefixes = selection.get("tagPrefixList", [])
    patterns = selection.get("tagPatternList", [])
    assert isinstance(prefixes, list)
    assert isinstance(patterns, list)
    by_prefix = any(tag.startswith(p) for p in prefixes)
    by_pattern = any(re.fullmatch(".*".join(map(re.escape, p.split("*"))), tag) for p in patterns)
    return by_prefix or by_pattern


def test_expiring_rules_never_select_the_placeholder() -> None:
    rules = json.loads(lifecycle_policy(30))["rules"]
    tagged = [r for r in rules if r["selection"]["tagStatus"] != "untagged"]
    assert tagged, "expected a rule for commit-tagged images"
    for rule in tagged:
        assert rule["selection"]["tagStatus"] == "tagged"
        assert not matches(rule["selection"], "initial"), rule


@pytest.mark.parametrize("tag", ["abc1234", "0123456", "f" * 40, "9e8d7c6"])
def test_commit_tags_are_kept_by_count(tag: str) -> None:
    (rule,) = [r for r in json.loads(lifecycle_policy(25))["rules"] if r["rulePriority"] == 2]
    assert matches(rule["selection"], tag)
    assert rule["selection"]["countType"] == "imageCountMoreThan"
    assert rule["selection"]["countNumber"] == 25


def test_untagged_images_expire_after_a_week() -> None:
    (rule,) = [r for r in json.loads(lifecycle_policy(30))["rules"] if r["rulePriority"] == 1]
    assert rule["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }


def test_pull_policy_names_exact_functions() -> None:
    arns = ["arn:aws:lambda:us-east-1:1:function:b", "arn:aws:lambda:us-east-1:1:function:a"]
    (statement,) = json.loads(lambda_pull_policy(arns))["Statement"]
    assert statement["Condition"]["StringEquals"]["aws:sourceArn"] == sorted(arns)
    assert "*" not in json.dumps(statement)
