"""Build once, promote: the other side of a promotion, resolved to exact names and ARNs.

A promoted stage knows its build stage from ``promoteFrom``; a build stage knows its
promoted stages from ``promotesTo``. Both sides build every ARN of the other from that
config and the naming rule (``Naming``), so each side names the other's exact resources
without reading its state. An omitted account or Region is this stack's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from infra_pulumi.components.ecr import PromotedAccess
from infra_pulumi.delivery_config import PromoteFromConfig, PromotesToConfig
from infra_pulumi.exceptions import ConfigError
from infra_pulumi.image_tags import Promotion
from infra_pulumi.naming import IMAGES, Naming


@dataclass(frozen=True)
class Place:
    """Where a stack lives: partition, account, Region and the partition's DNS suffix."""

    partition: str
    account: str
    region: str
    dns_suffix: str = "amazonaws.com"

    @property
    def iam(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}"

    def role_arn(self, name: str) -> str:
        return f"{self.iam}:role/{name}"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    @property
    def registry(self) -> str:
        """The account's private registry host in this Region."""
        return f"{self.account}.dkr.ecr.{self.region}.{self.dns_suffix}"


@dataclass(frozen=True)
class BuildStage:
    """A promoted stage's build stage: what its targets pull, and the role it reads it with."""

    naming: Naming
    place: Place

    @property
    def stack(self) -> str:
        return self.naming.stack

    def repository_name(self, image: str) -> str:
        return self.naming.repository(image)

    def repository_url(self, image: str) -> str:
        """``<registry>/<repository>``: a promoted target runs ``<this>@<digest>``."""
        return f"{self.place.registry}/{self.repository_name(image)}"

    def repository_arn(self, image: str) -> str:
        return self.place.arn("ecr", f"repository/{self.repository_name(image)}")

    @property
    def repository_arns(self) -> list[str]:
        return [self.repository_arn(image) for image in IMAGES]

    @property
    def reader_role_arn(self) -> str:
        return self.place.role_arn(self.naming.promotion_reader_role)

    @property
    def manifest_parameter(self) -> str:
        return self.naming.manifest_parameter

    def promotion(self, image: str, here: Naming) -> Promotion:
        """What ``resolve_promoted_image`` needs: this stage's digest parameter (``here``)
        and the build stage's repository."""
        return Promotion(here.digest_parameter(image), self.repository_url(image), self.stack)

    def manifest_fields(
        self, image: str, here: Naming, placeholder_url: pulumi.Input[str]
    ) -> dict[str, Any]:
        """A promoted stage's manifest image fields (schema 3's, kept in 4): targets pull
        the build stage's repository; this stage's own holds its placeholder."""
        return {
            "repository_name": self.repository_name(image),
            "repository_url": self.repository_url(image),
            "placeholder_repository_url": placeholder_url,
            "digest_parameter": here.digest_parameter(image),
        }


@dataclass(frozen=True)
class PromotedStage:
    """A build stage's promoted stage: who there may pull, read and assume the reader role."""

    naming: Naming
    place: Place

    @property
    def stack(self) -> str:
        return self.naming.stack

    @property
    def function_pattern(self) -> str:
        """Every function of that stack: the build stage does not know their short names
        (they are in the promoted stage's config), only the stack's prefix."""
        return self.place.arn("lambda", f"function:{self.naming.prefix}-*")

    @property
    def promote_role_arn(self) -> str:
        """The promote pipeline's build role: the only one that may assume the reader role."""
        return self.place.role_arn(self.naming.build_role("promote"))

    @property
    def web_execution_role_arn(self) -> str:
        """The role ECS pulls the promoted stage's web image with."""
        return self.place.role_arn(self.naming.web_execution_role)

    @property
    def image_reader_role_arns(self) -> list[str]:
        """The roles that read this stage's images' tags from there: those that run that
        stack's program (``pulumi preview``/``up``: its promoted-digest check and regression
        guard), and its promote build (the release tool checks the image it releases)."""
        return [
            self.place.role_arn(self.naming.build_role("infra-preview")),
            self.place.role_arn(self.naming.build_role("infra-deploy")),
            self.place.role_arn(self.naming.github_preview_role),
            self.promote_role_arn,
        ]


def build_stage(project: str, source: PromoteFromConfig, here: Place) -> BuildStage:
    """``promoteFrom`` resolved: an omitted account or Region is this stack's; another
    Region is refused (the config check does the same when ``aws:region`` is set)."""
    if source.region is not None and source.region != here.region:
        raise ConfigError(
            f"{project}:promoteFrom.region is {source.region!r} but this stack runs in "
            f"{here.region!r}: Lambda pulls a container image only from its own Region "
            '(README, "Build once, promote")'
        )
    place = Place(
        partition=here.partition,
        account=source.account or here.account,
        region=source.region or here.region,
        dns_suffix=here.dns_suffix,
    )
    return BuildStage(Naming(project, source.stack), place)


def promoted_stages(
    project: str, targets: tuple[PromotesToConfig, ...], here: Place
) -> list[PromotedStage]:
    """``promotesTo`` resolved; a promoted stage runs in this Region (Lambda pulls there)."""
    return [
        PromotedStage(
            Naming(project, target.stack),
            Place(here.partition, target.account or here.account, here.region, here.dns_suffix),
        )
        for target in targets
    ]


def promoted_access(
    stages: Sequence[PromotedStage], image: str, partition: str
) -> PromotedAccess | None:
    """What a build stage's repository of ``image`` lets its promoted stages do: their
    functions pull the Lambda image, their web tasks the web image, and the roles that
    check a promoted digest read either's tags."""
    if not stages:
        return None
    return PromotedAccess(
        accounts=[stage.place.account for stage in stages],
        partition=partition,
        lambda_function_patterns=[s.function_pattern for s in stages] if image == "lambda" else [],
        puller_role_arns=[s.web_execution_role_arn for s in stages] if image == "web" else [],
        reader_role_arns=[arn for stage in stages for arn in stage.image_reader_role_arns],
    )


def stage_output(source: BuildStage | None, stages: Sequence[PromotedStage]) -> dict[str, Any]:
    """The ``stage`` stack output: which kind of stage this is, and its other side."""
    if source is not None:
        return {
            "kind": "promoted",
            "from": {
                "stack": source.stack,
                "account": source.place.account,
                "region": source.place.region,
                "readerRoleArn": source.reader_role_arn,
            },
        }
    return {
        "kind": "build",
        "promotesTo": [{"stack": s.stack, "account": s.place.account} for s in stages],
    }
