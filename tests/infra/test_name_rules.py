"""Each service's naming rule against names AWS documents as valid or invalid."""

from __future__ import annotations

import pytest

from infra_pulumi.name_rules import RULES

GOOD = [
    ("ecr-repository", "cd-dev-lambda"),
    ("ecr-repository", "team/app_1.web"),
    ("lambda-function", "My_Function-1"),
    ("lambda-alias", "live"),
    ("lambda-alias", "v2_blue-1"),
    ("iam-role", "role+=,.@_-1"),
    ("log-group", "/aws/lambda/x-dev-api"),
    ("load-balancer", "a" * 32),
    ("target-group", "cd-dev-8000"),
    ("security-group", "cd dev (alb) #1"),
    ("ecs-name", "Cluster_1-a"),
    ("codebuild-project", "ab"),
    ("codepipeline", "pipe.line@1"),
    ("s3-bucket", "my.bucket-1"),
    ("ssm-parameter", "/cd/dev/images/lambda/tag"),
    ("kms-alias", "alias/cd-dev"),
    ("dynamodb-table", "cd-dev-release-locks"),
    ("dynamodb-table", "Locks_1.a"),
    ("dynamodb-table", "abc"),
    ("dynamodb-table", "a" * 255),
]

BAD = [
    ("ecr-repository", "cd--dev", "separators"),
    ("ecr-repository", "cd-dev-", "separators"),
    ("ecr-repository", "Upper", "separators"),
    ("ecr-repository", "a", "1 characters long"),
    ("lambda-function", "a" * 65, "65 characters long"),
    ("lambda-function", "has.dot", "separators"),
    ("lambda-alias", "42", "separators"),
    ("lambda-alias", "a" * 129, "129 characters long"),
    ("iam-role", "a" * 65, "65 characters long"),
    ("iam-role", "no spaces", "separators"),
    ("log-group", "aws/custom", "reserved prefix 'aws/'"),
    ("log-group", "a" * 513, "513 characters long"),
    ("load-balancer", "internal-app", "reserved prefix 'internal-'"),
    ("load-balancer", "-app", "separators"),
    ("load-balancer", "app-", "separators"),
    ("load-balancer", "a" * 33, "33 characters long"),
    ("target-group", "tg_1", "separators"),
    ("security-group", "sg-app", "reserved prefix 'sg-'"),
    ("security-group", "SG-app", "reserved prefix 'sg-'"),
    ("ecs-name", "a.b", "separators"),
    ("codebuild-project", "-ab", "separators"),
    ("codepipeline", "a" * 101, "101 characters long"),
    ("s3-bucket", "My-Bucket", "separators"),
    ("s3-bucket", "a..b", "separators"),
    ("s3-bucket", "192.168.5.4", "IP address"),
    ("s3-bucket", "xn--bucket", "reserved prefix 'xn--'"),
    ("s3-bucket", "bucket-s3alias", "reserved suffix '-s3alias'"),
    ("s3-bucket", "ab", "2 characters long"),
    ("ssm-parameter", "/aws/thing", "reserved prefix '/aws'"),
    ("ssm-parameter", "/SSM/thing", "reserved prefix '/ssm'"),
    ("ssm-parameter", "/a b", "separators"),
    ("ssm-parameter", "/a" * 16, "separators"),
    ("kms-alias", "alias/aws/mine", "reserved prefix 'alias/aws/'"),
    ("kms-alias", "mine", "separators"),
    ("dynamodb-table", "ab", "2 characters long"),
    ("dynamodb-table", "a" * 256, "256 characters long"),
    ("dynamodb-table", "locks/prod", "separators"),
    ("dynamodb-table", "locks prod", "separators"),
    ("dynamodb-table", "locks:prod", "separators"),
]


@pytest.mark.parametrize(("kind", "name"), GOOD)
def test_valid_names_pass(kind: str, name: str) -> None:
    assert RULES[kind].problems(name) == []


@pytest.mark.parametrize(("kind", "name", "problem"), BAD)
def test_invalid_names_are_refused_with_the_reason(kind: str, name: str, problem: str) -> None:
    problems = RULES[kind].problems(name)
    assert any(problem in p for p in problems), problems
