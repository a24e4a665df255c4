"""ECR repositories, the ``initial`` placeholder push, and the image-tag parameters.

The talk's points 4 and 8: commit tags are immutable, and a placeholder image built
from ``docker/initial_lambda`` is copied once into the repository as ``initial`` with
``DockerImageAsset`` + ``ECRDeployment`` (cdk-ecr-deployment). Synthesis only stages
the Docker context into the cloud assembly; Docker runs at ``cdk deploy`` time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from cdk_ecr_deployment import DockerImageName, ECRDeployment
from constructs import Construct

from cdk_parity.reference.tags import PLACEHOLDER_TAG, TAG_PATTERN


class ImageRepository(Construct):
    """IMMUTABLE_WITH_EXCLUSION (only ``initial`` stays mutable), scan on push, KMS, lifecycle.

    The lifecycle rules follow ECR's documented evaluation: rules apply in priority
    order, and an image that matches a rule's tag selection can never be expired by a
    lower-priority rule. So rule 1 selects the placeholder (keeping it), rule 2 expires
    untagged images, and rule 3 keeps the newest ``keep_images`` tagged images. One
    ``tagPatternList`` entry per rule: with several, ECR selects only images that carry
    all of them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository_name: str,
        keep_images: int,
        untagged_days: int = 7,
        kms_key_arn: str | None = None,
        lambda_function_arns: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key.from_key_arn(self, "Key", kms_key_arn) if kms_key_arn is not None else None
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=repository_name,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
            image_tag_mutability_exclusion_filters=[
                ecr.ImageTagMutabilityExclusionFilter.wildcard(PLACEHOLDER_TAG)
            ],
            image_scan_on_push=True,
            encryption=ecr.RepositoryEncryption.KMS,
            encryption_key=key,
        )
        # add_lifecycle_rule numbers the rules 1, 2, 3 in the order they are added.
        self.repository.add_lifecycle_rule(
            description=f"Keep the {PLACEHOLDER_TAG!r} placeholder out of the rules below",
            tag_status=ecr.TagStatus.TAGGED,
            tag_pattern_list=[PLACEHOLDER_TAG],
            max_image_count=1,
        )
        self.repository.add_lifecycle_rule(
            description=f"Expire untagged images after {untagged_days} days",
            tag_status=ecr.TagStatus.UNTAGGED,
            max_image_age=Duration.days(untagged_days),
        )
        self.repository.add_lifecycle_rule(
            description=f"Keep the {keep_images} newest commit-tagged images",
            tag_status=ecr.TagStatus.TAGGED,
            tag_pattern_list=["*"],
            max_image_count=keep_images,
        )
        if lambda_function_arns:
            self.repository.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="LambdaPullForNamedFunctions",
                    principals=[iam.ServicePrincipal("lambda.amazonaws.com")],
                    actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    conditions={"StringEquals": {"aws:sourceArn": sorted(lambda_function_arns)}},
                )
            )


class PlaceholderImage(Construct):
    """``DockerImageAsset`` of a placeholder context, copied to ``<repository>:initial``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: ecr.IRepository,
        context: Path,
        platform: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.asset = ecr_assets.DockerImageAsset(
            self,
            "Asset",
            directory=str(context),
            platform=(
                ecr_assets.Platform.LINUX_ARM64
                if platform == "linux/arm64"
                else ecr_assets.Platform.LINUX_AMD64
            ),
        )
        self.deployment = ECRDeployment(
            self,
            "CopyToRepository",
            src=DockerImageName(self.asset.image_uri),
            dest=DockerImageName(f"{repository.repository_uri}:{PLACEHOLDER_TAG}"),
        )


class ImageTagParameter(Construct):
    """``/<project>/<stack>/images/<image>/tag``, created with ``initial``.

    The template value stays ``initial``, so CloudFormation never writes it again
    after the app pipeline has: the equivalent of Pulumi's ``ignore_changes``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, name: str, image: str) -> None:
        super().__init__(scope, construct_id)
        self.parameter = ssm.StringParameter(
            self,
            "Parameter",
            parameter_name=name,
            string_value=PLACEHOLDER_TAG,
            allowed_pattern=TAG_PATTERN,
            tier=ssm.ParameterTier.STANDARD,
            description=(
                f"Released tag of the {image} image. Written by the app pipeline; "
                "created by the infra stack, which ignores later values."
            ),
        )
