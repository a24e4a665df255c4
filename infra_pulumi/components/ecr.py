"""An ECR repository for one image: immutable commit tags, scanning, encryption, lifecycle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.naming import PLACEHOLDER_TAG

#: Days an untagged image (a layer left by a re-pushed placeholder) is kept.
UNTAGGED_DAYS = 7


def lifecycle_policy(keep_images: int, untagged_days: int = UNTAGGED_DAYS) -> str:
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
    """
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Keep the placeholder {PLACEHOLDER_TAG!r}",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": [PLACEHOLDER_TAG],
                        "countType": "imageCountMoreThan",
                        "countNumber": 1,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
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
                    "rulePriority": 3,
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
        }
    )


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
            policy=lifecycle_policy(args.keep_images),
            opts=child,
        )
        if args.lambda_function_arns:
            aws.ecr.RepositoryPolicy(
                f"{name}-lambda-pull",
                repository=self.repository.name,
                policy=lambda_pull_policy(args.lambda_function_arns),
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


def lambda_pull_policy(function_arns: Sequence[str]) -> str:
    """Repository policy letting exactly these Lambda functions pull the image.

    Lambda pulls with its service principal; the ``aws:sourceArn`` condition names
    each function, so no other function in the account can use this repository.
    Declaring it up front also stops Lambda from editing the policy on its own when
    a function is created.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LambdaPullForNamedFunctions",
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    "Condition": {"StringEquals": {"aws:sourceArn": sorted(function_arns)}},
                }
            ],
        }
    )
