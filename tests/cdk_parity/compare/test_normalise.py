"""Normalisation details: resources named alike on both sides, patterns compared by meaning."""

from __future__ import annotations

from cdk_parity.compare.engine import ExpectedDifference, PropertyDifference, compare, glob_match
from cdk_parity.compare.kinds.common import grants, image_repository, image_tag, principals
from cdk_parity.compare.kinds.ecr import pull_grants
from cdk_parity.compare.kinds.ssm import accepted
from cdk_parity.compare.model import Resource


def test_grants_flatten_statements_and_name_resources() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:b/*"},
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": ["b", "a"]}},
            },
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:b"},
        ]
    }
    names = {"arn:b": "[s3-bucket artifact-store]"}

    def name(text: str) -> str:
        return names.get(text.split("/")[0], text.split("/")[0]) + text[len(text.split("/")[0]) :]

    assert grants([document], name) == [
        "deny s3:* on [s3-bucket artifact-store]",
        "iam:PassRole on * if StringEquals iam:PassedToService=a|b",
        "s3:GetObject on [s3-bucket artifact-store]/*",
        "s3:PutObject on [s3-bucket artifact-store]/*",
    ]


def test_two_spellings_of_one_tag_rule_accept_the_same_values() -> None:
    assert accepted(r"^(initial|[0-9a-f]{7,40})$") == accepted(r"^(?:[a-f0-9]{7,40}|initial)$")
    assert "latest" not in (accepted(r"^(initial|[0-9a-f]{7,40})$") or [])
    assert "0a1b2c3-dirty" in (accepted(r"^(initial|[0-9a-f]{7,40})") or [])  # no `$`


def test_globs_know_only_the_star() -> None:
    assert glob_match("tagged with tags matching all of [initial]", "tagged * of [initial]")
    assert not glob_match("tagged with tags matching all of [i]", "tagged * of [initial]")
    assert glob_match("a?c", "a?c")
    assert not glob_match("abc", "a?c")


def _grants(side: str, *items: str) -> Resource:
    return Resource(side, "iam-role", "codebuild-project:x", {"grants": list(items)})  # type: ignore[arg-type]


def _entry(**fields: object) -> ExpectedDifference:
    base = {"kind": "iam-role", "property": "grants", "reason": "reviewed on purpose"}
    return ExpectedDifference.model_validate({**base, **fields})


def test_bounds_cover_only_the_items_they_name() -> None:
    pulumi = _grants("pulumi", "a on x", "b on x")
    cdk = _grants("cdk", "a on x", "c on x", "d on x")
    reviewed = [
        _entry(id="one", pulumiOnly=["b on *"], cdkOnly=["c on x"]),
        _entry(id="two", cdkOnly=["d *"]),
    ]
    (pair,) = compare([pulumi], [cdk], reviewed, mode="synth-time").pairs
    assert pair.verdict == "intentional"
    assert [e.id for e in pair.differences[0].expected] == ["one", "two"]

    more = _grants("pulumi", "a on x", "b on x", "e on x")  # one more grant on the Pulumi side
    (pair,) = compare([more], [cdk], reviewed, mode="synth-time").pairs
    assert pair.verdict == "unexpected"
    assert pair.differences[0].unreviewed == (("pulumi", "e on x"),)


def test_set_difference_reads_what_only_one_side_has() -> None:
    difference = PropertyDifference("grants", ["a", "b"], ["b", "c"])
    assert (difference.only_pulumi, difference.only_cdk) == (("a",), ("c",))
    assert not PropertyDifference("memoryMb", 512, 1024).is_set_difference


def test_staleness_is_judged_only_for_the_stacks_an_entry_applies_to() -> None:
    entry = _entry(id="prod-only", stacks=["prod"], cdkOnly=["x"])
    comparison = compare([], [], [entry], mode="synth-time", stack="dev")
    assert comparison.stale == []
    comparison = compare([], [], [entry], mode="synth-time", stack="prod")
    assert [e.id for e in comparison.stale] == ["prod-only"]


def test_a_digest_pin_reads_as_the_pin_in_place_of_a_tag() -> None:
    registry = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
    pinned = f"{registry}/p-dev-lambda@sha256:{'ab' * 32}"
    assert image_repository(pinned) == "p-dev-lambda"
    assert image_tag(pinned) == "@sha256:… (digest pin)"
    assert image_tag(f"{registry}/p-dev-lambda:0a1b2c3") == "0a1b2c3"
    # A deploy-time tag holds colons and slashes of its own, and no digest.
    deploy_time = f"{registry}/p-dev-lambda:{{{{ssm:/p/dev/images/lambda/tag}}}}"
    assert image_tag(deploy_time) == "{{ssm:/p/dev/images/lambda/tag}}"
    assert image_tag(None) is None


READER = "arn:aws:iam::444455556666:role/p-prod-promote"
EXCLUDED = "arn:aws:iam::444455556666:role/p-prod-other"


def _trusting(operators: dict[str, object]) -> dict[str, object]:
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
                "Condition": operators,
            }
        ]
    }


def test_a_trust_and_a_repository_policy_read_a_principal_condition_alike() -> None:
    """Only a matching operator names the roles meant (IAM User Guide, "Condition
    operators"): a negated one names roles kept out, which are not "who may"; the key's
    case does not matter (condition keys are not case-sensitive)."""
    document = _trusting(
        {"ArnEquals": {"aws:principalarn": READER}, "ArnNotEquals": {"aws:PrincipalArn": EXCLUDED}}
    )
    assert principals(document) == [f"AWS:aws-principal as {READER}"]
    assert pull_grants([document]) == [
        f"arn:aws:iam::444455556666:root: sts:AssumeRole as {READER}"
    ]
    only_excluded = _trusting({"ArnNotEquals": {"aws:PrincipalArn": EXCLUDED}})
    assert principals(only_excluded) == ["AWS:aws-principal"]
    assert principals({"Statement": [{"Principal": {"AWS": "x"}}]}) == ["AWS:aws-principal"]
