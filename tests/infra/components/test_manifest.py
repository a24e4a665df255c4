"""The manifest document builder, independent of the program.

Schema 4 (the lock contract): schema 2's fields and rules plus a required top-level
``lockTable``; with ``stage`` (a promoted stage), schema 3's fields and rules as well.
"""

from __future__ import annotations

import pytest

from infra_pulumi.components.manifest import (
    MANIFEST_SCHEMA,
    EcsTarget,
    LambdaTarget,
    ManifestImage,
    PromotedFrom,
    manifest_document,
)
from infra_pulumi.exceptions import ConfigError

LOCK_TABLE = "p-s-release-locks"


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
        LOCK_TABLE,
    )
    assert document["schema"] == MANIFEST_SCHEMA == 4
    assert document["lockTable"] == "p-s-release-locks"
    assert "stage" not in document  # a build stage: schema 2's rules
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


def test_each_function_is_listed_with_its_alias_and_deployment_group() -> None:
    document = manifest_document(
        "p", "s", {"lambda": _image("lambda", ["p-s-api", "p-s-job"], [])}, LOCK_TABLE
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
    shared = [
        LambdaTarget("p-s-a", "live", "p-s-lambda", "g"),
        LambdaTarget("p-s-b", "live", "p-s-lambda", "g"),
    ]
    image = _image("lambda", [], [])
    image.lambda_functions = shared
    with pytest.raises(ConfigError, match="CodeDeploy deployment group p-s-lambda/g"):
        manifest_document("p", "s", {"lambda": image}, LOCK_TABLE)


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
    with pytest.raises(ConfigError, match=message):
        manifest_document("p", "s", images, LOCK_TABLE)


BUILD_STAGE = PromotedFrom(
    stack="dev",
    account="111122223333",
    region="ap-northeast-1",
    manifest_parameter="/p/dev/deploy-manifest",
    reader_role_arn="arn:aws:iam::111122223333:role/p-dev-promotion-reader",
)


def _promoted(placeholder: str | None, digest: str | None) -> ManifestImage:
    image = _image("lambda", ["p-s-api"], [])
    image.repository_url = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/p-dev-lambda"
    image.placeholder_repository_url = placeholder
    image.digest_parameter = digest
    return image


def test_a_promoted_stage_publishes_schema_4_with_its_stage_and_both_repositories() -> None:
    own = "1.dkr.ecr.us-east-1.amazonaws.com/p-s-lambda"
    document = manifest_document(
        "p", "s", {"lambda": _promoted(own, "/p/s/images/lambda/digest")}, LOCK_TABLE, BUILD_STAGE
    )
    assert document["schema"] == 4
    assert document["lockTable"] == "p-s-release-locks"
    assert document["stage"]["from"]["stack"] == "dev"
    entry = document["images"]["lambda"]
    assert (entry["placeholderRepositoryUrl"], entry["digestParameter"]) == (
        own,
        "/p/s/images/lambda/digest",
    )


@pytest.mark.parametrize(
    ("placeholder", "digest"),
    [
        (None, "/p/s/images/lambda/digest"),
        ("1.dkr.ecr.us-east-1.amazonaws.com/p-s-lambda", None),
        (None, None),
    ],
)
def test_a_promoted_image_without_its_placeholder_or_digest_parameter_is_refused(
    placeholder: str | None, digest: str | None
) -> None:
    """A stage requires both (schema 3's rule, kept in 4; docs/app-release.md): the release
    tool refuses a manifest without them, so the stack refuses to publish one."""
    with pytest.raises(
        ConfigError,
        match=r"needs its placeholder repository and its digest parameter \(schema 4 with a",
    ):
        manifest_document(
            "p", "s", {"lambda": _promoted(placeholder, digest)}, LOCK_TABLE, BUILD_STAGE
        )
