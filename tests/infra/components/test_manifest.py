"""The manifest document builder, independent of the program."""

from __future__ import annotations

from infra_pulumi.components.manifest import (
    MANIFEST_SCHEMA,
    EcsTarget,
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
                ecs_services=[EcsTarget(cluster="c", service="svc", container="web")],
            )
        },
    )
    assert document["schema"] == MANIFEST_SCHEMA == 1
    assert document["images"]["web"] == {
        "repositoryName": "p-s-web",
        "repositoryUrl": "1.dkr.ecr.us-east-1.amazonaws.com/p-s-web",
        "tagParameter": "/p/s/images/web/tag",
        "placeholderTag": "initial",
        "lambdaFunctions": [],
        "ecsServices": [{"cluster": "c", "service": "svc", "container": "web"}],
    }
