"""An ECR repository for one image: immutable commit tags, scanning, encryption, lifecycle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.naming import PLACEHOLDER_TAG

#: Commit tags are lowercase hex, so they start with one of these. The placeholder tag
#: starts with "i", matches none of them, and so is never selected by the lifecycle rule.
HEX_PREFIXES = tuple("0123456789abcdef")


def lifecycle_policy(keep_images: int) -> str:
    """The repository's lifecycle policy document.

    Rule 1 expires untagged images (layers left behind by re-pushed placeholders) after
    a week. Rule 2 keeps the ``keep_images`` most recently pushed commit-tagged images.
    It selects images by hex tag prefix only, so the placeholder tag can never expire.

    It also never expires the image that is released now: the app pipeline pushes an
    image and releases it in the same run, so the released image is always among the
    most recently pushed ones, and only images older than the ``keep_images`` newest
    pushes expire. That also leaves ``keep_images - 1`` earlier releases to roll back to.
    """
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "Expire untagged images after 7 days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": 7,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": (
                        f"Keep the {keep_images} newest commit-tagged images; "
                        f"never matches {PLACEHOLDER_TAG!r}"
                    ),
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPrefixList": list(HEX_PREFIXES),
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
            force_delete=False,
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
