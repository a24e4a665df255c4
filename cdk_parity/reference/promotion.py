"""Build once, promote, the CDK way: built from the stack config and the naming rule only.

A promoted stage (``promoteFrom``) builds nothing: its functions and web tasks run the
build stage's repository at the digest ``app.deploy promote`` recorded in its digest
parameters (``DockerImageCode.from_ecr`` and ``ContainerImage.from_ecr_repository`` take
a digest for a tag), and its promote build assumes the build stage's reader role. A build
stage (``promotesTo``) lets its promoted stages pull, read its images' tags and assume
that role, each by exact ARN, and keeps what they were promoted with (a lifecycle rule).

Written from the Lambda Developer Guide ("Amazon ECR permissions", cross-account), the
ECR User Guide (repository policies, lifecycle policy evaluation) and the IAM User Guide
(cross-account trust by account principal with an ``aws:PrincipalArn`` condition).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_parity.exceptions import InvalidTagError
from cdk_parity.reference.config import CdkStackConfig, StackConfig
from cdk_parity.reference.lifecycle import data_removal
from cdk_parity.reference.naming import LIVE_ALIAS, Naming
from cdk_parity.reference.tags import IMAGES

#: What a digest parameter holds before any promotion.
NO_DIGEST = "initial"
#: SSM ``AllowedPattern`` of a digest parameter: an image digest, or ``initial``.
DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$|^initial$"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
LAMBDA_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def digest_parameter(naming: Naming, image: str) -> str:
    """``/<project>/<stack>/images/<image>/digest``, next to the tag parameter."""
    return f"{naming.parameter_root}/images/{image}/digest"


def promotion_reader_role(naming: Naming) -> str:
    return f"{naming.prefix}-promotion-reader"


def check_digest(parameter: str, value: str) -> str:
    """A digest parameter's value: an image digest or ``initial``, nothing else."""
    if value != NO_DIGEST and _DIGEST.fullmatch(value) is None:
        raise InvalidTagError(
            f"image-digest parameter {parameter} holds {value!r}; expected sha256: and 64 "
            f"lowercase hex characters, or {NO_DIGEST!r}"
        )
    return value


@dataclass(frozen=True)
class BuildStage:
    """A promoted stage's build stage: an omitted account is this stack's (its Region is)."""

    naming: Naming
    account: str
    region: str

    def repository_arn(self, stack: Stack, image: str) -> str:
        name = self.naming.repository(image)
        return f"arn:{stack.partition}:ecr:{self.region}:{self.account}:repository/{name}"

    def repository(self, scope: Construct, image: str) -> ecr.IRepository:
        """The build stage's repository, imported once per scope: its URI is built from
        the ARN."""
        construct_id = f"PromotedFrom{image.capitalize()}Repository"
        existing = scope.node.try_find_child(construct_id)
        if existing is not None:
            return cast("ecr.IRepository", existing)
        return ecr.Repository.from_repository_attributes(
            scope,
            construct_id,
            repository_arn=self.repository_arn(Stack.of(scope), image),
            repository_name=self.naming.repository(image),
        )

    def reader_role_arn(self, stack: Stack) -> str:
        return (
            f"arn:{stack.partition}:iam::{self.account}:role/{promotion_reader_role(self.naming)}"
        )


@dataclass(frozen=True)
class PromotedStage:
    """A build stage's promoted stage: its account, and its roles by the naming rule."""

    naming: Naming
    account: str

    def role(self, stack: Stack, name: str) -> str:
        return f"arn:{stack.partition}:iam::{self.account}:role/{name}"

    def functions(self, stack: Stack) -> str:
        region, prefix = stack.region, self.naming.prefix
        return f"arn:{stack.partition}:lambda:{region}:{self.account}:function:{prefix}-*"

    def readers(self, stack: Stack) -> list[str]:
        """Who reads an image's tags there: the roles running that stack's program, and
        its promote build."""
        names = self.naming
        return [
            self.role(stack, names.build_role("infra-preview")),
            self.role(stack, names.build_role("infra-deploy")),
            self.role(stack, names.github_preview_role),
            self.role(stack, names.build_role("promote")),
        ]


def build_stage(settings: CdkStackConfig) -> BuildStage | None:
    source = settings.config.promote_from
    if source is None:
        return None
    return BuildStage(
        Naming(settings.config.project, source.stack),
        source.account or settings.account,
        source.region or settings.region,
    )


def promoted_stages(settings: CdkStackConfig) -> list[PromotedStage]:
    return [
        PromotedStage(Naming(settings.config.project, t.stack), t.account or settings.account)
        for t in settings.config.promotes_to
    ]


def allow_promoted_stages(
    stack: Stack, repository: ecr.Repository, image: str, stages: Sequence[PromotedStage]
) -> None:
    """The repository policy's statements for the promoted stages (see the module doc)."""
    if not stages:
        return
    accounts = sorted({s.account for s in stages})
    roots: list[iam.IPrincipal] = [iam.AccountPrincipal(a) for a in accounts]
    if image == "lambda":
        repository.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PromotedStagesFunctionsPull",
                principals=[iam.ServicePrincipal("lambda.amazonaws.com")],
                actions=LAMBDA_PULL,
                conditions={
                    "StringLike": {"aws:sourceArn": sorted(s.functions(stack) for s in stages)},
                    "StringEquals": {"aws:sourceAccount": accounts},
                },
            )
        )
        # Lambda checks that whoever creates or updates the function may pull the image.
        repository.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PromotedAccountsDeployFunctions", principals=roots, actions=LAMBDA_PULL
            )
        )
    if image == "web":
        repository.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PromotedStagesWebTasksPull",
                principals=roots,
                actions=["ecr:BatchCheckLayerAvailability", *LAMBDA_PULL],
                conditions={
                    "ArnEquals": {
                        "aws:PrincipalArn": sorted(
                            s.role(stack, s.naming.web_execution_role) for s in stages
                        )
                    }
                },
            )
        )
    repository.add_to_resource_policy(
        iam.PolicyStatement(
            sid="PromotedStagesReadImageTags",
            principals=roots,
            actions=["ecr:DescribeImages", "ecr:DescribeRepositories"],
            conditions={
                "ArnEquals": {
                    "aws:PrincipalArn": sorted(r for s in stages for r in s.readers(stack))
                }
            },
        )
    )


def digest_parameters(scope: Construct, config: StackConfig) -> dict[str, ssm.StringParameter]:
    """A promoted stage's digest parameters, created with ``initial``; the template value
    never changes afterwards, so CloudFormation leaves what ``promote`` wrote."""
    found = {}
    for image in IMAGES:
        parameter = ssm.StringParameter(
            scope,
            f"{image.capitalize()}DigestParameter",
            parameter_name=digest_parameter(config.naming, image),
            string_value=NO_DIGEST,
            allowed_pattern=DIGEST_PATTERN,
            tier=ssm.ParameterTier.STANDARD,
            description=(
                f"Promoted digest of the {image} image. Written by app.deploy promote; "
                "created by the infra stack, which ignores later values."
            ),
        )
        parameter.apply_removal_policy(data_removal(config))
        found[image] = parameter
    return found


@dataclass(frozen=True)
class ReaderGrants:
    """What the reader reads in the build stage, by resource."""

    repositories: Sequence[ecr.IRepository]
    parameter_arns: Sequence[str]
    """The manifest, the tag parameters, the failed-release records."""
    function_arns: Sequence[str]
    service_arn: str


def promotion_reader(
    stack: Stack, config: StackConfig, stages: Sequence[PromotedStage], grants: ReaderGrants
) -> iam.Role:
    """The role the promoted stages' promote builds assume: reads, and a new tag."""
    condition = {
        "ArnEquals": {
            "aws:PrincipalArn": sorted(
                s.role(stack, s.naming.build_role("promote")) for s in stages
            )
        }
    }
    accounts = sorted({s.account for s in stages})
    role = iam.Role(
        stack,
        "PromotionReader",
        role_name=promotion_reader_role(config.naming),
        assumed_by=iam.AccountPrincipal(accounts[0]).with_conditions(condition),
    )
    for account in accounts[1:]:
        role.assume_role_policy.add_statements(  # type: ignore[union-attr]
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                principals=[iam.AccountPrincipal(account)],
                conditions=condition,
            )
        )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["ssm:GetParameter", "ssm:GetParameterHistory"],
            resources=list(grants.parameter_arns),
        )
    )
    for repository in grants.repositories:
        repository.grant(
            role,
            "ecr:BatchGetImage",
            "ecr:DescribeImages",
            "ecr:DescribeRepositories",
            "ecr:PutImage",
        )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["lambda:GetFunction"],
            resources=[f"{arn}:{LIVE_ALIAS}" for arn in grants.function_arns],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["ecs:DescribeServices"], resources=[grants.service_arn])
    )
    # DescribeTaskDefinition takes no resource-level permissions: IAM requires "*".
    role.add_to_policy(iam.PolicyStatement(actions=["ecs:DescribeTaskDefinition"], resources=["*"]))
    return role


def parameter_arns(stack: Stack, names: Sequence[str]) -> list[str]:
    return [
        stack.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"))
        for name in names
    ]


def promoted_manifest_fields(
    stack: Stack, source: BuildStage, naming: Naming, image: str, own: ecr.IRepository
) -> Mapping[str, str]:
    """A schema-3 image entry's repository fields."""
    return {
        "repositoryName": source.naming.repository(image),
        "repositoryUrl": (
            f"{source.account}.dkr.ecr.{source.region}.{stack.url_suffix}/"
            f"{source.naming.repository(image)}"
        ),
        "placeholderRepositoryUrl": own.repository_uri,
        "digestParameter": digest_parameter(naming, image),
    }
