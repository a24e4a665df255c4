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

from cdk_parity.reference.tags import PLACEHOLDER_TAG

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
