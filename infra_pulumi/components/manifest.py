"""The deploy-target manifest: per image, every target the app side must roll out to.

This is the speaker's wish from the talk's point 9 (an ``imagedefinitions.json`` for
Lambda). The infra stack knows every function and service it created, so it publishes
them; the app release tool reads this parameter and never repeats a function name.
Readers reject an unknown ``schema``; adding a field is fine, renaming or removing one
needs a new schema (docs/app-release.md has the contract).

Schema 4 (this stack's, from a build stage and a promoted stage alike): schema 2's fields
and rules plus a required top-level ``lockTable``, the DynamoDB table (``release_locks.py``)
where the release tool locks each image with one conditional write, the item keyed by the
image's ``lockParameter``; with ``stage``, schema 3's fields and rules as well. It is a new
schema, not an added field, on purpose: a tool that reads only schemas 1 to 3 would lock
with the SSM parameter, which a tool reading 4 does not take, so an older tool must refuse
4 rather than release beside a newer one. ``lockParameter`` stays required: it is the
item's key, and the SSM lock older manifests use (the upgrade's guard reads it).

Earlier schemas, which tools still read: schema 2 (a build stage's before 4) lists each
Lambda target as an object naming the function, its ``live`` alias and the CodeDeploy
application and deployment group that shift the alias, with ``lockParameter`` and
``failedReleasesParameter`` required; schema 1 listed function names only. Schema 3 (a
promoted stage's before 4; README, "Build once, promote") is schema 2 plus ``stage``
(``kind: promoted`` and ``from``: the build stage's stack, account, Region, manifest
parameter and promotion reader role), and per image the build stage's repository as
``repositoryName``/``repositoryUrl`` (what targets pull), ``placeholderRepositoryUrl``
(this stage's own repository, its placeholder's) and ``digestParameter``.

Every target runs exactly one image: a function or service listed under two images would
let a release of one image move the other's target, so the builder refuses it.
``failedReleasesParameter`` names the SSM parameter where the release tool records the tag
versions whose release failed; IAM grants the release tool exactly these names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.naming import PLACEHOLDER_TAG

#: What this stack publishes, from a build stage and a promoted stage alike.
MANIFEST_SCHEMA = 4


@dataclass
class EcsTarget:
    """An ECS service running an image, and the container in it that runs the image."""

    cluster: pulumi.Input[str]
    service: pulumi.Input[str]
    container: str


@dataclass
class LambdaTarget:
    """A function the image runs in, the alias its invokers call, and what shifts the alias."""

    name: str
    """Physical function name (from config, known at program time)."""
    alias: str
    """The alias every trigger targets: ``live``."""
    code_deploy_application: str
    deployment_group: str


@dataclass
class ManifestImage:
    """One image's entry in the manifest."""

    repository_name: pulumi.Input[str]
    repository_url: pulumi.Input[str]
    tag_parameter: str
    lock_parameter: str
    failed_releases_parameter: str
    lambda_functions: Sequence[LambdaTarget] = field(default_factory=tuple)
    ecs_services: Sequence[EcsTarget] = field(default_factory=tuple)
    placeholder_repository_url: pulumi.Input[str] | None = None
    """A promoted stage's own repository (its placeholder's); ``repository_url`` is then
    the build stage's."""
    digest_parameter: str | None = None
    """A promoted stage's digest parameter."""


@dataclass(frozen=True)
class PromotedFrom:
    """A promoted stage's build stage, as the manifest's ``stage.from`` names it."""

    stack: str
    account: str
    region: str
    manifest_parameter: str
    reader_role_arn: str


def _refuse_shared_targets(images: Mapping[str, ManifestImage]) -> None:
    """A target (by its known name) listed twice, under one image or two, is refused."""
    owners: dict[str, str] = {}
    for key, image in images.items():
        # Names known at program time (this stack's come from config); an Output's value
        # is not, and is left to the release tool, which refuses the same on reading.
        targets = [f"Lambda function {t.name}" for t in image.lambda_functions]
        targets += [
            f"CodeDeploy deployment group {t.code_deploy_application}/{t.deployment_group}"
            for t in image.lambda_functions
        ]
        targets += [
            f"ECS service {t.cluster}/{t.service}"
            for t in image.ecs_services
            if isinstance(t.cluster, str) and isinstance(t.service, str)
        ]
        for target in targets:
            if target in owners:
                raise ConfigError(
                    f"deploy manifest: {target} is listed under image {owners[target]!r} "
                    f"and image {key!r}. A target runs exactly one image; releasing one "
                    "would move the other's target."
                )
            owners[target] = key


def manifest_document(
    project: str,
    stack: str,
    images: Mapping[str, ManifestImage],
    lock_table: pulumi.Input[str],
    promoted_from: PromotedFrom | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (values may still be Outputs): schema 4, with a
    promoted stage's ``stage`` and per-image fields when ``promoted_from`` is given."""
    _refuse_shared_targets(images)
    document: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "project": project,
        "stack": stack,
        "lockTable": lock_table,
        "images": {key: _image_entry(image, promoted_from) for key, image in images.items()},
    }
    if promoted_from is not None:
        document["stage"] = {
            "kind": "promoted",
            "from": {
                "stack": promoted_from.stack,
                "account": promoted_from.account,
                "region": promoted_from.region,
                "manifestParameter": promoted_from.manifest_parameter,
                "readerRoleArn": promoted_from.reader_role_arn,
            },
        }
    return document


def _image_entry(image: ManifestImage, promoted_from: PromotedFrom | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "repositoryName": image.repository_name,
        "repositoryUrl": image.repository_url,
        "tagParameter": image.tag_parameter,
        "lockParameter": image.lock_parameter,
        "failedReleasesParameter": image.failed_releases_parameter,
        "placeholderTag": PLACEHOLDER_TAG,
        "lambdaFunctions": [
            {
                "name": t.name,
                "alias": t.alias,
                "codeDeployApplication": t.code_deploy_application,
                "deploymentGroup": t.deployment_group,
            }
            for t in image.lambda_functions
        ],
        "ecsServices": [
            {"cluster": t.cluster, "service": t.service, "container": t.container}
            for t in image.ecs_services
        ],
    }
    if promoted_from is not None:
        if image.placeholder_repository_url is None or image.digest_parameter is None:
            raise ConfigError(
                "deploy manifest: a promoted stage's image entry needs its placeholder "
                "repository and its digest parameter (schema 4 with a stage)"
            )
        entry["placeholderRepositoryUrl"] = image.placeholder_repository_url
        entry["digestParameter"] = image.digest_parameter
    return entry


@dataclass
class DeployManifestArgs:
    """Inputs of a ``DeployManifest``."""

    parameter_name: str
    """Full SSM name, ``/<project>/<stack>/deploy-manifest``."""
    project: str
    stack: str
    images: Mapping[str, ManifestImage]
    lock_table: pulumi.Input[str]
    """The release lock table's name (``ReleaseLockTable.table_name``): as an Output, the
    manifest that names it is published after the table exists."""
    targets: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """The functions and services it lists: they exist before it names them."""
    promoted_from: PromotedFrom | None = None
    """A promoted stage's build stage: the manifest then carries ``stage``."""


class DeployManifest(pulumi.ComponentResource):
    """The manifest as an SSM String parameter that infra rewrites on every run."""

    parameter_name: pulumi.Output[str]
    parameter_arn: pulumi.Output[str]
    value: pulumi.Output[str]

    def __init__(
        self, name: str, args: DeployManifestArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:ssm:DeployManifest", name, None, opts)
        document = manifest_document(
            args.project, args.stack, args.images, args.lock_table, args.promoted_from
        )
        self.value = pulumi.Output.json_dumps(document, sort_keys=True)
        parameter = aws.ssm.Parameter(
            f"{name}-parameter",
            name=args.parameter_name,
            type="String",
            tier="Standard",
            # insecure_value: the manifest holds no secrets, and previews should show it.
            insecure_value=self.value,
            description=(
                f"Deploy-target manifest (schema {document['schema']}): every target of each "
                "image, with each function's alias and CodeDeploy group, and the release "
                "lock table; read by the app release tool."
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.targets)),
        )
        self.parameter_name = parameter.name
        self.parameter_arn = parameter.arn
        self.register_outputs({"parameter_name": self.parameter_name})
