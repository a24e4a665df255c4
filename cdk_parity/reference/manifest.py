"""The deploy-target manifest (schema 2), written from its contract in docs/app-release.md.

Per image: its repository, its tag parameter, the release tool's lock parameter, the
placeholder tag, and every Lambda function and ECS service that runs it. The app release
tool reads it and never repeats a function name (the speaker's wish, talk point 9).
Schema 2 names each function's ``live`` alias and its CodeDeploy application and
deployment group, which the release tool shifts the alias with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm

from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.releases import LambdaReleases
from cdk_parity.reference.tags import PLACEHOLDER_TAG
from cdk_parity.reference.web_service import WEB_CONTAINER, WebService

SCHEMA = 2


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


def document(project: str, stack: str, images: Mapping[str, ImageTargets]) -> dict[str, Any]:
    """The manifest as a JSON-ready dict, in the contract's field names."""
    return {
        "schema": SCHEMA,
        "project": project,
        "stack": stack,
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
            }
            for name, image in images.items()
        },
    }


def _image(
    config: StackConfig, image: str, repository: ecr.IRepository, **targets: Any
) -> ImageTargets:
    names = config.naming
    return ImageTargets(
        repository_name=repository.repository_name,
        repository_url=repository.repository_uri,
        tag_parameter=names.tag_parameter(image),
        lock_parameter=names.lock_parameter(image),
        failed_releases_parameter=names.failed_releases_parameter(image),
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
) -> ssm.StringParameter:
    """The manifest parameter (beyond the talk; docs/app-release.md): every function with
    its alias and deployment group on the Lambda image, the web service on the web image."""
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
        "lambda": _image(config, "lambda", repositories["lambda"], lambda_functions=lambda_targets),
        "web": _image(config, "web", repositories["web"], ecs_services=[web_target]),
    }
    return ssm.StringParameter(
        stack,
        "DeployManifest",
        parameter_name=config.naming.manifest_parameter,
        string_value=stack.to_json_string(document(config.project, config.stack, targets)),
        tier=ssm.ParameterTier.STANDARD,
        description="Deploy-target manifest (schema 2): read by the app release tool.",
    )
