"""Per image: its ECR repository, its ``initial`` placeholder push, and its tag parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_parity.reference.config import PROJECT_ROOT, StackConfig
from cdk_parity.reference.ecr import ImageRepository
from cdk_parity.reference.lifecycle import data_removal
from cdk_parity.reference.placeholder import PlaceholderImage
from cdk_parity.reference.promotion import PromotedStage, allow_promoted_stages
from cdk_parity.reference.tag_parameter import ImageTagParameter
from cdk_parity.reference.tags import IMAGES


@dataclass(frozen=True)
class Images:
    """What the stack builds for its two images, by image name."""

    repositories: Mapping[str, ecr.IRepository]
    placeholders: Mapping[str, PlaceholderImage]
    tag_parameters: Mapping[str, ssm.StringParameter]


def images(
    scope: Construct,
    config: StackConfig,
    *,
    kms_key_arn: str | None,
    lambda_function_arns: Sequence[str],
    stages: Sequence[PromotedStage] = (),
) -> Images:
    """Both repositories (the Lambda one lets the named functions pull; a build stage's
    let its promoted stages pull and keep what they run), both placeholders (one
    architecture per stack: the web tasks run on the functions'), both parameters."""
    names = config.naming
    repositories: dict[str, ecr.IRepository] = {}
    for image in IMAGES:
        repository = ImageRepository(
            scope,
            f"{image.capitalize()}Repository",
            repository_name=names.repository(image),
            keep_images=config.ecr_keep_images,
            kms_key_arn=kms_key_arn,
            lambda_function_arns=lambda_function_arns if image == "lambda" else (),
            removal_policy=data_removal(config),
            keeps_promoted=bool(stages),
        ).repository
        allow_promoted_stages(Stack.of(scope), repository, image, stages)
        repositories[image] = repository
    contexts = {"lambda": config.placeholder_context, "web": config.web.placeholder_context}
    placeholders = {
        image: PlaceholderImage(
            scope,
            f"{image.capitalize()}Placeholder",
            repository=repositories[image],
            context=PROJECT_ROOT / contexts[image],
            platform=config.docker_platform,
        )
        for image in IMAGES
    }
    tag_parameters = {
        image: ImageTagParameter(
            scope,
            f"{image.capitalize()}TagParameter",
            name=names.tag_parameter(image),
            image=image,
            removal_policy=data_removal(config),
        ).parameter
        for image in IMAGES
    }
    return Images(repositories, placeholders, tag_parameters)
