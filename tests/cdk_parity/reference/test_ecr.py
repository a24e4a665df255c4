"""ECR repositories: immutable commit tags, lifecycle rules by their effect, the pull policy.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from cdk_parity.compare.ecr_lifecycle import Image, expired
from tests.cdk_parity.reference.templates import (
    DEV,
)


def test_both_repositories_are_immutable_except_the_placeholder_tag(
    dev_template: Template,
) -> None:
    dev_template.resource_count_is("AWS::ECR::Repository", 2)
    for image in ("lambda", "web"):
        dev_template.has_resource_properties(
            "AWS::ECR::Repository",
            {
                "RepositoryName": f"{DEV}-{image}",
                "ImageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "ImageTagMutabilityExclusionFilters": [
                    {
                        "ImageTagMutabilityExclusionFilterType": "WILDCARD",
                        "ImageTagMutabilityExclusionFilterValue": "initial",
                    }
                ],
                "ImageScanningConfiguration": {"ScanOnPush": True},
                "EncryptionConfiguration": {"EncryptionType": "KMS"},
            },
        )


def _lifecycle_policy(template: Template, repository: str) -> dict[str, Any]:
    found = template.find_resources(
        "AWS::ECR::Repository", {"Properties": {"RepositoryName": repository}}
    )
    (resource,) = found.values()
    text = resource["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"]
    policy: dict[str, Any] = json.loads(text)
    return policy


def test_lifecycle_rules_select_one_thing_each(dev_template: Template) -> None:
    """ECR ANDs the entries of a tag list, so each rule names one pattern (issue 10, #4).
    dev is a build stage prod is promoted from: right after the placeholder's, a rule
    keeps what was promoted (README, "Build once, promote")."""
    for image in ("lambda", "web"):
        rules = _lifecycle_policy(dev_template, f"{DEV}-{image}")["rules"]
        assert [(r["rulePriority"], r["selection"]) for r in rules] == [
            (
                1,
                {
                    "tagStatus": "tagged",
                    "tagPatternList": ["initial"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
            ),
            (
                2,
                {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["promoted-"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 1000,
                },
            ),
            (
                3,
                {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countNumber": 7,
                    "countUnit": "days",
                },
            ),
            (
                4,
                {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 30,  # ecrKeepImages in Pulumi.dev.yaml
                },
            ),
        ]


def test_lifecycle_expires_exactly_the_old_commits_and_old_untagged(
    dev_template: Template,
) -> None:
    """The placeholder, 40 commit images (one a day) and untagged layers, per ECR's rules."""
    images = [Image("initial", ("initial",), 60)]
    images += [Image(f"c{n}", (f"{n:07x}",), 41 - n) for n in range(1, 41)]  # c40 is newest
    images += [Image("u8", (), 8), Image("u7", (), 7), Image("u1", (), 1)]
    policy = _lifecycle_policy(dev_template, f"{DEV}-lambda")
    # Keep the 30 newest commits (c11..c40); untagged older than 7 days; never `initial`.
    assert expired(policy, images) == {f"c{n}" for n in range(1, 11)} | {"u8"}


def test_lambda_repository_lets_exactly_the_named_functions_pull(dev_template: Template) -> None:
    arns = [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":lambda:ap-northeast-1:123456789012:function:{DEV}-{name}",
                ],
            ]
        }
        for name in ("api", "nightly-report")
    ]
    dev_template.has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryName": f"{DEV}-lambda",
            "RepositoryPolicyText": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Sid": "LambdaPullForNamedFunctions",
                                    "Principal": {"Service": "lambda.amazonaws.com"},
                                    "Condition": {"StringEquals": {"aws:sourceArn": arns}},
                                }
                            )
                        ]
                    )
                }
            ),
        },
    )
