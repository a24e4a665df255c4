"""What differs between the manifest's schemas: 1 (function names), 2 (aliases and
CodeDeploy), 3 (a promoted stage: schema 2 plus the stage it promotes from) and 4 (the
release lock in a DynamoDB table: schema 2, or with ``stage`` schema 3, plus ``lockTable``).

Schema 3 (issue 22) is published only by a promoted stage. Its targets pull the build
stage's images by digest, so ``repositoryName``/``repositoryUrl`` name the BUILD stage's
repository, and each image adds ``placeholderRepositoryUrl`` (this stage's own
repository, for its placeholder) and ``digestParameter`` (where the promoted digest is
recorded beside the tag); ``stage.from`` names the build stage and the role to read it.
Schema 4 (issue 24) is published by both kinds of stage: ``lockTable`` names the table
whose item, keyed by each image's ``lockParameter``, is the image's release lock
(``app.deploy.table_lock``); ``stage`` is optional, with schema 3's rules when present.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal, Protocol

import msgspec

from app.deploy.names import (
    Name,
    ParameterName,
    repository_url_parts,
    ssm_name_problem,
    table_name_problem,
)

Account = Annotated[str, msgspec.Meta(pattern=r"^\d{12}$")]
"""An AWS account id: 12 digits."""

Region = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}(-gov)?(-iso[a-z]?)?-[a-z]+-\d$")]
"""An AWS Region code, e.g. ``ap-northeast-1``."""

StackName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
"""A Pulumi stack name: letters, digits, ``_``, ``.`` and ``-``."""

RoleArn = Annotated[
    str,
    msgspec.Meta(pattern=r"^arn:aws[a-zA-Z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"),
]
"""An IAM role ARN (IAM User Guide, "IAM identifiers": a role name is 1 to 64 of
``\\w+=,.@-``, after an optional path)."""


class StageSource(msgspec.Struct, rename="camel", frozen=True):
    """The build stage a promoted stage promotes from, and how to read it."""

    stack: StackName
    account: Account
    region: Region
    manifest_parameter: ParameterName
    """The build stage's own deploy manifest."""
    reader_role_arn: RoleArn
    """The role in the build stage's account that ``promote`` assumes to read it."""

    def __post_init__(self) -> None:
        problem = ssm_name_problem(self.manifest_parameter)
        if problem:
            raise ValueError(f"stage.from.manifestParameter {self.manifest_parameter!r} {problem}")
        role_account = self.reader_role_arn.split(":")[4]
        if role_account != self.account:
            raise ValueError(
                f"stage.from.readerRoleArn {self.reader_role_arn!r} is in account "
                f"{role_account}, not in the build stage's account {self.account}"
            )

    def describe(self) -> str:
        return f"stack {self.stack} (account {self.account}, {self.region})"


class Stage(msgspec.Struct, rename="camel", frozen=True):
    """Schema 3: this stage is promoted, never built; ``source`` is ``from`` in JSON."""

    kind: Literal["promoted"]
    source: StageSource = msgspec.field(name="from")


class ImageFields(Protocol):
    """What the schema checks read of a manifest image (``manifest.ImageTargets``); a
    protocol, so this module does not import the manifest that imports it."""

    @property
    def repository_url(self) -> str: ...
    @property
    def placeholder_repository_url(self) -> object: ...
    @property
    def digest_parameter(self) -> object: ...
    @property
    def lock_parameter(self) -> object: ...
    @property
    def failed_releases_parameter(self) -> object: ...
    @property
    def lambda_functions(self) -> Iterable[object]: ...
    @property
    def lambda_targets(self) -> object: ...


def check_schema(
    schema: int, image_name: str, image: ImageFields, stage: Stage | msgspec.UnsetType
) -> None:
    """What differs between the schemas: ``lambdaFunctions``, and the fields each requires.

    A promoted stage's fields come with ``stage`` (``check_stage`` has already matched
    it to the schema): required with it, refused without it.
    """
    where = f"images.{image_name}"
    promoted = isinstance(stage, Stage)
    promoted_fields = (
        ("placeholderRepositoryUrl", image.placeholder_repository_url),
        ("digestParameter", image.digest_parameter),
    )
    if not promoted:
        present = [name for name, value in promoted_fields if value is not msgspec.UNSET]
        if present:
            whose = "schema 3's" if schema < 3 else f"a promoted stage's (schema {schema}, stage)"
            raise ValueError(f"{where} has {' and '.join(present)}; they are {whose}")
    if schema == 1:
        if image.lambda_targets:
            raise ValueError(
                f"{where}.lambdaFunctions lists objects; schema 1 lists function names "
                "(objects with alias and deployment group are schema 2)"
            )
        return
    if any(isinstance(entry, str) for entry in image.lambda_functions):
        raise ValueError(
            f"{where}.lambdaFunctions lists names; schema {schema} lists objects "
            "{name, alias, codeDeployApplication, deploymentGroup}"
        )
    required = [
        ("lockParameter", image.lock_parameter),
        ("failedReleasesParameter", image.failed_releases_parameter),
    ]
    if promoted:
        required += promoted_fields
    missing = [name for name, value in required if value is msgspec.UNSET]
    if missing:
        kind = f"schema {schema} with stage" if promoted and schema != 3 else f"schema {schema}"
        raise ValueError(f"{where} has no {' and no '.join(missing)}; {kind} requires them")
    if isinstance(stage, Stage):
        _check_promoted(where, image, stage.source)


def _check_promoted(where: str, image: ImageFields, source: StageSource) -> None:
    """The targets pull from the build stage's registry; the placeholder is this stage's."""
    parts = repository_url_parts(image.repository_url)
    if parts is None or parts[:2] != (source.account, source.region):
        raise ValueError(
            f"{where}.repositoryUrl {image.repository_url!r} is not an ECR repository of the "
            f"build stage (account {source.account}, {source.region}); in schema 3 it names "
            "the repository the build stage pushes to"
        )
    own = repository_url_parts(str(image.placeholder_repository_url))
    if own is None:
        raise ValueError(
            f"{where}.placeholderRepositoryUrl {image.placeholder_repository_url!r} is not "
            "an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)"
        )
    if own[1] != source.region:
        raise ValueError(
            f"{where}.placeholderRepositoryUrl is in {own[1]} but the build stage is in "
            f"{source.region}; promotion works within one Region (Lambda pulls container "
            "images only from its own Region)"
        )


def check_stage(schema: int, stage: Stage | msgspec.UnsetType) -> None:
    """Schema 3 requires ``stage``, schema 4 may have it, schemas 1 and 2 have none."""
    if schema == 3 and stage is msgspec.UNSET:
        raise ValueError(
            "schema 3 requires stage {kind: promoted, from: {stack, account, region, "
            "manifestParameter, readerRoleArn}}"
        )
    if schema < 3 and stage is not msgspec.UNSET:
        raise ValueError(f"stage is schema 3's; this manifest's schema is {schema}")


def check_lock_table(schema: int, lock_table: str | msgspec.UnsetType) -> None:
    """Schema 4 requires ``lockTable``, a DynamoDB table name; schemas 1 to 3 have none.

    An older schema with a ``lockTable`` is refused rather than ignored: its release
    lock is the SSM parameter, and a tool reading it would not take the table's.
    """
    if schema < 4:
        if lock_table is not msgspec.UNSET:
            raise ValueError(
                f"lockTable is schema 4's; this manifest's schema is {schema}, whose release "
                "lock is each image's lockParameter in SSM"
            )
        return
    if lock_table is msgspec.UNSET:
        raise ValueError(
            "schema 4 requires lockTable, the DynamoDB table of the release locks "
            "(<project>-<stack>-release-locks)"
        )
    problem = table_name_problem(lock_table)
    if problem:
        raise ValueError(f"lockTable {lock_table!r} {problem}")


__all__ = [
    "Account",
    "Name",
    "Region",
    "Stage",
    "StageSource",
    "check_lock_table",
    "check_schema",
    "check_stage",
]
