"""An ECR repository for one image: immutable commit tags, scanning, encryption, lifecycle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.naming import PLACEHOLDER_TAG, PROMOTION_TAG_PREFIX

#: Days an untagged image (a layer left by a re-pushed placeholder) is kept.
UNTAGGED_DAYS = 7
#: Promoted images a build stage's repository keeps: every promotion tags its digest
#: ``promoted-<stage>-<tag>``; far more than any stage runs or rolls back to.
PROMOTED_KEEP = 1000


def lifecycle_policy(
    keep_images: int, untagged_days: int = UNTAGGED_DAYS, *, promoted: bool = False
) -> str:
    """The repository's lifecycle policy document, on ECR's documented selection rules.

    ECR applies rules from the lowest ``rulePriority`` up, and "an image that matches the
    tagging requirements of a higher priority rule cannot be expired by a rule with a
    lower priority" (Amazon ECR User Guide, lifecycle policy evaluation rules). A tag
    list is an AND: with several entries "only images with all specified tags are
    selected" (lifecycle policy properties, ``tagPatternList``), so one rule cannot say
    "any hex prefix"; rule 3 selects every tagged image with the single pattern ``*``.

    1. The placeholder ``initial``: keep 1. There is only ever one image with that tag,
       so nothing expires here; the rule exists to claim the placeholder, which protects
       it from rule 3.
    2. Untagged images expire ``untagged_days`` after their push.
    3. Every tagged image: keep the ``keep_images`` most recently pushed. Rule 3 still
       counts the placeholder among them ("rules can identify images marked by higher
       priority rules"), so when the placeholder was pushed recently one fewer commit
       image is kept.

    The released image never expires: the app pipeline pushes an image and releases it
    in one run, so it is always among the newest pushes, and only images older than the
    ``keep_images`` newest expire. That also leaves earlier releases to roll back to.

    ``promoted`` (a build stage whose digests other stages run): a rule right after the
    placeholder's claims every image tagged ``promoted-`` (``tagPrefixList``, one entry)
    and keeps the newest ``PROMOTED_KEEP``. A promoted stage runs a digest long after
    newer commits have pushed it out of the ``keep_images`` newest; claimed by a
    higher-priority rule, it is never expired by the last rule, which still counts it.
    """
    rules: list[dict[str, object]] = [
        {
            "description": f"Keep the placeholder {PLACEHOLDER_TAG!r}",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": [PLACEHOLDER_TAG],
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        },
    ]
    if promoted:
        rules.append(
            {
                "description": f"Keep the {PROMOTED_KEEP} newest images promoted to other stages",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [PROMOTION_TAG_PREFIX],
                    "countType": "imageCountMoreThan",
                    "countNumber": PROMOTED_KEEP,
                },
                "action": {"type": "expire"},
            }
        )
    rules += [
        {
            "description": f"Expire untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        },
        {
            "description": f"Keep the {keep_images} most recently pushed tagged images",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["*"],
                "countType": "imageCountMoreThan",
                "countNumber": keep_images,
            },
            "action": {"type": "expire"},
        },
    ]
    return json.dumps(
        {"rules": [{"rulePriority": n, **rule} for n, rule in enumerate(rules, start=1)]}
    )


@dataclass(frozen=True)
class PromotedAccess:
    """What a build stage's repository lets the stages promoted from it do, by exact ARN.

    Built from the build stage's ``promotesTo`` and the naming rule (``promotion.py``).
    """

    accounts: Sequence[str]
    """The promoted stages' accounts (this stack's own too, for a same-account stage)."""
    partition: str = "aws"
    lambda_function_patterns: Sequence[str] = ()
    """``arn:...:function:<project>-<stage>-*`` per stage: their functions may pull (the
    Lambda repository only)."""
    puller_role_arns: Sequence[str] = ()
    """The promoted stages' ECS task execution roles: they pull the web image."""
    reader_role_arns: Sequence[str] = ()
    """The promoted stages' roles that read an image's tags (DescribeImages,
    DescribeRepositories): those that run their program (the promoted-digest check and
    the regression guard) and their promote build (the release tool's checks)."""


@dataclass
class ImageRepositoryArgs:
    """Inputs of an ``ImageRepository``."""

    repository_name: str
    """Physical repository name (carries the project and stack prefix)."""
    keep_images: int = 30
    """Commit-tagged images to keep; older ones expire."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer-managed KMS key; None uses the AWS-managed ECR key (still KMS-encrypted)."""
    lambda_function_arns: Sequence[str] = field(default_factory=tuple)
    """Exact ARNs of the Lambda functions allowed to pull from this repository."""
    force_delete: bool = False
    """True where the stack does not protect its data: ``pulumi destroy`` deletes the
    repository with its images."""
    promoted: PromotedAccess | None = None
    """A build stage's promoted stages: they pull this repository's digests (and the
    lifecycle policy keeps the images they were promoted with)."""


class ImageRepository(pulumi.ComponentResource):
    """An ECR repository whose commit tags are immutable and whose placeholder tag is not.

    Tag mutability is ``IMMUTABLE_WITH_EXCLUSION`` with the single exclusion
    ``initial``: a commit tag can never be overwritten (the talk's point 8 safety net),
    while the placeholder can be re-pushed when ``docker/initial_lambda`` changes, so
    re-running ``pulumi up`` never fails on the immutable tag. The alternative, skipping
    the push when the tag exists, would need a program-time registry lookup and would
    leave a changed placeholder silently unpublished.
    """

    repository: aws.ecr.Repository
    repository_name: pulumi.Output[str]
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: ImageRepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:ecr:ImageRepository", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        encryption = (
            aws.ecr.RepositoryEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=args.kms_key_arn
            )
            if args.kms_key_arn is not None
            else aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")
        )
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=[
                aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(
                    filter=PLACEHOLDER_TAG, filter_type="WILDCARD"
                )
            ],
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=True
            ),
            encryption_configurations=[encryption],
            # A stack that protects its data keeps its images; one that does not lets
            # `pulumi destroy` delete the repository with them (see StackConfig.protects_data).
            force_delete=args.force_delete,
            opts=child,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(args.keep_images, promoted=args.promoted is not None),
            opts=child,
        )
        if args.lambda_function_arns or args.promoted is not None:
            aws.ecr.RepositoryPolicy(
                # The name the policy had when it named this stack's functions only.
                f"{name}-lambda-pull" if args.lambda_function_arns else f"{name}-pull",
                repository=self.repository.name,
                policy=repository_policy(args.lambda_function_arns, args.promoted),
                opts=child,
            )

        self.repository_name = self.repository.name
        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
        self.registry_id = self.repository.registry_id
        self.register_outputs(
            {
                "repository_name": self.repository_name,
                "repository_url": self.repository_url,
                "repository_arn": self.repository_arn,
            }
        )


#: What Lambda needs to pull a function's image (Lambda Developer Guide, "Amazon ECR
#: permissions").
LAMBDA_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def lambda_pull_policy(function_arns: Sequence[str]) -> str:
    """Repository policy letting exactly these Lambda functions pull the image."""
    return repository_policy(function_arns, None)


def repository_policy(function_arns: Sequence[str], promoted: PromotedAccess | None) -> str:
    """Who may pull from this repository, and read its images' tags.

    This stack's functions: Lambda pulls with its service principal; the ``aws:sourceArn``
    condition names each function, so no other function in the account can use this
    repository. Declaring it up front also stops Lambda from editing the policy on its own
    when a function is created.

    A build stage's promoted stages (``promoted``), in the same account or another of the
    same Region:

    - their functions: the Lambda service principal, conditioned on ``aws:sourceArn``
      (each stage's ``<project>-<stage>-*`` functions: the build stage does not know their
      short names) and ``aws:sourceAccount``; and their account as a principal for the same
      two actions, because Lambda also checks that whoever creates or updates the function
      may pull the image (Lambda Developer Guide, "Amazon ECR permissions", cross-account;
      AWS Compute Blog, "Introducing cross-account Amazon ECR access for AWS Lambda"). The
      account principal hands that decision to the promoted account's own IAM: the
      callers are its pipeline roles, or an administrator running ``pulumi up``;
    - their web task execution roles (ECS pulls the web image as that role), and the roles
      that read an image's tags (those running their program, and their promote build):
      each by exact ARN in an ``aws:PrincipalArn`` condition on the account principal. A role ARN
      as the principal itself would be refused until the role exists (ECR: "Principal not
      found", terraform-provider-aws issue 39064), and IAM would pin it to the role's
      unique id, so a re-created role would silently lose access (IAM User Guide, "AWS
      JSON policy elements: Principal").
    """
    statements: list[dict[str, object]] = []
    if function_arns:
        statements.append(
            {
                "Sid": "LambdaPullForNamedFunctions",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": LAMBDA_PULL,
                "Condition": {"StringEquals": {"aws:sourceArn": sorted(function_arns)}},
            }
        )
    if promoted is None:
        return json.dumps({"Version": "2012-10-17", "Statement": statements})
    accounts = sorted(set(promoted.accounts))
    roots = [f"arn:{promoted.partition}:iam::{account}:root" for account in accounts]
    if promoted.lambda_function_patterns:
        statements += [
            {
                "Sid": "PromotedStagesFunctionsPull",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": LAMBDA_PULL,
                "Condition": {
                    "StringLike": {"aws:sourceArn": sorted(promoted.lambda_function_patterns)},
                    "StringEquals": {"aws:sourceAccount": accounts},
                },
            },
            {
                "Sid": "PromotedAccountsDeployFunctions",
                "Effect": "Allow",
                "Principal": {"AWS": roots},
                "Action": LAMBDA_PULL,
            },
        ]
    if promoted.puller_role_arns:
        statements.append(
            {
                "Sid": "PromotedStagesWebTasksPull",
                "Effect": "Allow",
                "Principal": {"AWS": roots},
                "Action": ["ecr:BatchCheckLayerAvailability", *LAMBDA_PULL],
                "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(promoted.puller_role_arns)}},
            }
        )
    if promoted.reader_role_arns:
        statements.append(
            {
                "Sid": "PromotedStagesReadImageTags",
                "Effect": "Allow",
                "Principal": {"AWS": roots},
                "Action": ["ecr:DescribeImages", "ecr:DescribeRepositories"],
                "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(promoted.reader_role_arns)}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
