"""An ECR repository for one image: immutable commit tags, scanning, KMS, lifecycle rules.

The talk's point 8: commit tags are immutable, so a failed lookup can never push the
placeholder under a real tag; only ``initial`` stays mutable.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_parity.reference.tags import PLACEHOLDER_TAG

#: Every promotion tags the digest it promotes ``promoted-<stage>-<tag>`` in the build
#: stage's repository (README, "Build once, promote").
PROMOTION_TAG_PREFIX = "promoted-"
#: Promoted images a build stage keeps: far more than any stage runs or rolls back to.
PROMOTED_KEEP = 1000


class ImageRepository(Construct):
    """IMMUTABLE_WITH_EXCLUSION (only ``initial`` stays mutable), scan on push, KMS, lifecycle.

    ``removal_policy`` keeps it (and its images) when the stack is deleted, or deletes it
    with its images (``lifecycle.py``).

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
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        keeps_promoted: bool = False,
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
            removal_policy=removal_policy,
            # A repository that is not kept is emptied first (CloudFormation's
            # EmptyOnDelete), or deleting it fails while it holds images.
            empty_on_delete=removal_policy == RemovalPolicy.DESTROY,
        )
        # add_lifecycle_rule numbers the rules 1, 2, 3 in the order they are added.
        self.repository.add_lifecycle_rule(
            description=f"Keep the {PLACEHOLDER_TAG!r} placeholder out of the rules below",
            tag_status=ecr.TagStatus.TAGGED,
            tag_pattern_list=[PLACEHOLDER_TAG],
            max_image_count=1,
        )
        if keeps_promoted:
            # A build stage: what its promoted stages run, claimed before the last rule
            # can expire it (ECR: a higher-priority rule's images are never expired by a
            # lower one), however many commits have been pushed since.
            self.repository.add_lifecycle_rule(
                description=f"Keep the {PROMOTED_KEEP} newest images promoted to other stages",
                tag_status=ecr.TagStatus.TAGGED,
                tag_prefix_list=[PROMOTION_TAG_PREFIX],
                max_image_count=PROMOTED_KEEP,
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
