"""The deploy-target manifest (schema 4), written from its contract in docs/app-release.md.

Per image: its repository, its tag parameter, the release tool's lock parameter, the
placeholder tag, and every Lambda function and ECS service that runs it. The app release
tool reads it and never repeats a function name (the speaker's wish, talk point 9).
Each function is named with its ``live`` alias and its CodeDeploy application and
deployment group, which the release tool shifts the alias with (schema 2's fields), and
the top-level ``lockTable`` names the release lock table (what makes it schema 4). A
promoted stage adds its build stage (``stage.from``), and per image the build stage's
repository (what targets pull), its own (``placeholderRepositoryUrl``) and its digest
parameter (schema 3's fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm

from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.promotion import BuildStage, promoted_manifest_fields
from cdk_parity.reference.releases import LambdaReleases
from cdk_parity.reference.tags import PLACEHOLDER_TAG
from cdk_parity.reference.web_service import WEB_CONTAINER, WebService

SCHEMA = 4


@dataclass(frozen=True)
class EcsServiceTarget:
    cluster: str
    service: str
    container: str


@dataclass(frozen=True)
class LambdaTarget:
    """A function the release tool publishes and shifts through CodeDeploy."""

    name: str
    alias: str
    application: str
    deployment_group: str


@dataclass(frozen=True)
class ImageTargets:
    """One image's entry; values may be CDK tokens (resolved in the template)."""

    repository_name: str
    repository_url: str
    tag_parameter: str
    lock_parameter: str
    failed_releases_parameter: str
    lambda_functions: Sequence[LambdaTarget] = ()
    ecs_services: Sequence[EcsServiceTarget] = field(default_factory=tuple)
    promoted: Mapping[str, str] = field(default_factory=dict)
    """A promoted stage's schema-3 fields; they replace the repository's."""


def document(
    project: str,
    stack: str,
    images: Mapping[str, ImageTargets],
    lock_table: str,
    stage: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict, in the contract's field names."""
    found: dict[str, Any] = {
        "schema": SCHEMA,
        "project": project,
        "stack": stack,
        "lockTable": lock_table,
        "images": {
            name: {
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
                        "codeDeployApplication": t.application,
                        "deploymentGroup": t.deployment_group,
                    }
                    for t in image.lambda_functions
                ],
                "ecsServices": [
                    {"cluster": t.cluster, "service": t.service, "container": t.container}
                    for t in image.ecs_services
                ],
                **image.promoted,
            }
            for name, image in images.items()
        },
    }
    if stage is not None:
        found["stage"] = stage
    return found


def _image(
    config: StackConfig,
    image: str,
    repository: ecr.IRepository,
    source: BuildStage | None = None,
    **targets: Any,
) -> ImageTargets:
    names = config.naming
    promoted = (
        promoted_manifest_fields(Stack.of(repository), source, names, image, repository)
        if source is not None
        else {}
    )
    return ImageTargets(
        repository_name=repository.repository_name,
        repository_url=repository.repository_uri,
        tag_parameter=names.tag_parameter(image),
        lock_parameter=names.lock_parameter(image),
        failed_releases_parameter=names.failed_releases_parameter(image),
        promoted=promoted,
        **targets,
    )


def deploy_manifest(
    stack: Stack,
    config: StackConfig,
    *,
    repositories: Mapping[str, ecr.IRepository],
    functions: Mapping[str, lambda_.Function],
    releases: LambdaReleases,
    web: WebService,
    lock_table: dynamodb.ITable,
    source: BuildStage | None = None,
) -> ssm.StringParameter:
    """The manifest parameter (beyond the talk; docs/app-release.md): every function with
    its alias and deployment group on the Lambda image, the web service on the web image,
    and the lock table (a token: the manifest is created after the table)."""
    lambda_targets = [
        LambdaTarget(
            name=functions[short].function_name,
            alias=release.alias.alias_name,
            application=releases.application.application_name,
            deployment_group=release.deployment_group.deployment_group_name,
        )
        for short, release in releases.releases.items()
    ]
    web_target = EcsServiceTarget(
        cluster=web.cluster.cluster_name, service=web.service.service_name, container=WEB_CONTAINER
    )
    targets = {
        "lambda": _image(
            config, "lambda", repositories["lambda"], source, lambda_functions=lambda_targets
        ),
        "web": _image(config, "web", repositories["web"], source, ecs_services=[web_target]),
    }
    stage = (
        {
            "kind": "promoted",
            "from": {
                "stack": source.naming.stack,
                "account": source.account,
                "region": source.region,
                "manifestParameter": source.naming.manifest_parameter,
                "readerRoleArn": source.reader_role_arn(stack),
            },
        }
        if source is not None
        else None
    )
    manifest = document(config.project, config.stack, targets, lock_table.table_name, stage)
    return ssm.StringParameter(
        stack,
        "DeployManifest",
        parameter_name=config.naming.manifest_parameter,
        string_value=stack.to_json_string(manifest),
        tier=ssm.ParameterTier.STANDARD,
        description=f"Deploy-target manifest (schema {manifest['schema']}): read by the app "
        "release tool.",
    )
