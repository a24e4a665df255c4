"""The lifecycle evaluator against ECR's documented behaviour ("Lifecycle policy properties",
"Examples of lifecycle policies"), so the comparison can trust what it says a policy does."""

from __future__ import annotations

from typing import Any

from cdk_parity.compare.ecr_lifecycle import Image, effect, expired, rules


def _rule(priority: int, **selection: Any) -> dict[str, Any]:
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


def test_documented_example_a_a_higher_rule_protects_what_it_selects() -> None:
    """Rule 1 keeps one `prod*` image and marks A; rule 2 may not expire B, which rule 1
    selected, so only A is expired."""
    images = [
        Image("A", ("beta-1", "prod-1"), 10),
        Image("B", ("beta-2", "prod-2"), 9),
        Image("C", ("beta-3",), 8),
    ]
    policy = {
        "rules": [
            _rule(1, tagStatus="tagged", tagPrefixList=["prod"], countType="imageCountMoreThan",
                  countNumber=1),
            _rule(2, tagStatus="tagged", tagPrefixList=["beta"], countType="imageCountMoreThan",
                  countNumber=1),
        ]
    }  # fmt: skip
    assert expired(policy, images) == {"A"}


def test_several_entries_in_one_list_select_only_images_with_all_of_them() -> None:
    """'If you specify multiple tags, only the images with all specified tags are selected.'"""
    images = [Image("one-tag", ("0a1b2c3",), 3), Image("both", ("0a1b2c3", "abc1234"), 2)]
    hex_prefixes = {
        "rules": [
            _rule(1, tagStatus="tagged", tagPrefixList=list("0a"), countType="imageCountMoreThan",
                  countNumber=0),
        ]
    }  # fmt: skip
    assert expired(hex_prefixes, images) == {"both"}


def test_untagged_by_age_and_patterns_with_wildcards() -> None:
    images = [Image("old", (), 8), Image("new", (), 7), Image("prod", ("prod-9",), 30)]
    policy = {
        "rules": [
            _rule(1, tagStatus="untagged", countType="sinceImagePushed", countNumber=7,
                  countUnit="days"),
            _rule(2, tagStatus="tagged", tagPatternList=["prod*"], countType="sinceImagePushed",
                  countNumber=14, countUnit="days"),
        ]
    }  # fmt: skip
    assert expired(policy, images) == {"old", "prod"}


def test_rules_and_effect_ignore_priority_numbers_and_descriptions() -> None:
    a = {"rules": [_rule(1, tagStatus="untagged", countType="imageCountMoreThan", countNumber=1)]}
    b = {"rules": [{**_rule(10, tagStatus="untagged", countType="imageCountMoreThan",
                            countNumber=1), "description": "any words"}]}  # fmt: skip
    assert rules(a) == rules(b) == ["untagged: keep the newest 1"]
    assert effect(a) == effect(b)
    assert effect(None) is None


def test_the_effect_tells_whether_a_promoted_image_survives() -> None:
    """An early commit promoted to another stage: without a rule claiming `promoted-`, the
    last rule expires it with the other old commits; with it, it stays."""
    keep_newest = _rule(
        3, tagStatus="tagged", tagPatternList=["*"], countType="imageCountMoreThan", countNumber=30
    )
    claim = _rule(
        2, tagStatus="tagged", tagPrefixList=["promoted-"], countType="imageCountMoreThan",
        countNumber=1000,
    )  # fmt: skip
    without, kept = effect({"rules": [keep_newest]}), effect({"rules": [claim, keep_newest]})
    assert without is not None
    assert kept is not None
    assert without[-1] == "expires the image promoted to another stage 146 days ago"
    assert kept[-1] == "keeps the image promoted to another stage 146 days ago"
    # The other commits are counted as before: the claimed image is not among the newest.
    assert without[1] == kept[1] == "keeps the newest 30 of 149 commit-tagged images"
