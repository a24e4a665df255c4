"""The manifest document builder, independent of the program."""

from __future__ import annotations

import pytest

from infra_pulumi.components.manifest import (
    MANIFEST_SCHEMA,
    EcsTarget,
    LambdaTarget,
    ManifestImage,
    manifest_document,
)


def test_document_shape_with_ecs_targets() -> None:
    document = manifest_document(
        "p",
        "s",
        {
            "web": ManifestImage(
                repository_name="p-s-web",
                repository_url="1.dkr.ecr.us-east-1.amazonaws.com/p-s-web",
                tag_parameter="/p/s/images/web/tag",
                lock_parameter="/p/s/images/web/release-lock",
                failed_releases_parameter="/p/s/images/web/failed-releases",
                ecs_services=[EcsTarget(cluster="c", service="svc", container="web")],
            )
        },
    )
    assert document["schema"] == MANIFEST_SCHEMA == 2
    assert document["images"]["web"] == {
        "repositoryName": "p-s-web",
        "repositoryUrl": "1.dkr.ecr.us-east-1.amazonaws.com/p-s-web",
        "tagParameter": "/p/s/images/web/tag",
        "lockParameter": "/p/s/images/web/release-lock",
        "failedReleasesParameter": "/p/s/images/web/failed-releases",
        "placeholderTag": "initial",
        "lambdaFunctions": [],
        "ecsServices": [{"cluster": "c", "service": "svc", "container": "web"}],
    }


def test_schema_2_lists_each_function_with_its_alias_and_deployment_group() -> None:
    document = manifest_document(
        "p",
        "s",
        {"lambda": _image("lambda", ["p-s-api", "p-s-job"], [])},
    )
    assert document["images"]["lambda"]["lambdaFunctions"] == [
        {
            "name": "p-s-api",
            "alias": "live",
            "codeDeployApplication": "p-s-lambda",
            "deploymentGroup": "p-s-api",
        },
        {
            "name": "p-s-job",
            "alias": "live",
            "codeDeployApplication": "p-s-lambda",
            "deploymentGroup": "p-s-job",
        },
    ]


def test_a_deployment_group_shared_by_two_functions_is_refused() -> None:
    from infra_pulumi.exceptions import ConfigError

    shared = [
        LambdaTarget("p-s-a", "live", "p-s-lambda", "g"),
        LambdaTarget("p-s-b", "live", "p-s-lambda", "g"),
    ]
    image = _image("lambda", [], [])
    image.lambda_functions = shared
    with pytest.raises(ConfigError, match="CodeDeploy deployment group p-s-lambda/g"):
        manifest_document("p", "s", {"lambda": image})


def _target(name: str) -> LambdaTarget:
    return LambdaTarget(
        name=name,
        alias="live",
        code_deploy_application="p-s-lambda",
        deployment_group=name,
    )


def _image(key: str, functions: list[str], services: list[EcsTarget]) -> ManifestImage:
    return ManifestImage(
        repository_name=f"p-s-{key}",
        repository_url=f"1.dkr.ecr.us-east-1.amazonaws.com/p-s-{key}",
        tag_parameter=f"/p/s/images/{key}/tag",
        lock_parameter=f"/p/s/images/{key}/release-lock",
        failed_releases_parameter=f"/p/s/images/{key}/failed-releases",
        lambda_functions=[_target(f) for f in functions],
        ecs_services=services,
    )


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (
            {"a": _image("a", ["p-s-api"], []), "b": _image("b", ["p-s-api"], [])},
            "Lambda function p-s-api is listed under image 'a' and image 'b'",
        ),
        (
            {"a": _image("a", ["p-s-api", "p-s-api"], [])},
            "Lambda function p-s-api is listed under image 'a' and image 'a'",
        ),
        (
            {
                "a": _image("a", [], [EcsTarget("c", "svc", "web")]),
                "b": _image("b", [], [EcsTarget("c", "svc", "api")]),
            },
            "ECS service c/svc is listed under image 'a' and image 'b'",
        ),
    ],
)
def test_a_target_under_two_images_is_refused(
    images: dict[str, ManifestImage], message: str
) -> None:
    from infra_pulumi.exceptions import ConfigError

    with pytest.raises(ConfigError, match=message):
        manifest_document("p", "s", images)
