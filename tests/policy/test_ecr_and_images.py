"""ECR tag immutability, pinned images and allowed registries: planted, fixed, configured."""

from __future__ import annotations

import json

import pytest

from tests.policy.conftest import ACCOUNT, REGISTRY, Check, of, resource

REPOSITORY = "aws:ecr/repository:Repository"


def repository(**inputs: object) -> object:
    return resource(REPOSITORY, "images", {"name": "shop-test-images", **inputs})


def test_mutable_and_default_repositories_are_reported(check: Check) -> None:
    mutable = of(check(repository(imageTagMutability="MUTABLE")), "ecr-tag-immutability")
    absent = of(check(repository()), "ecr-tag-immutability")
    assert [v.enforcement for v in mutable] == ["mandatory"]
    assert "MUTABLE" in mutable[0].message
    assert mutable[0].urn.endswith("::images")
    assert len(absent) == 1, "ECR's default is MUTABLE"


@pytest.mark.parametrize(
    "filters",
    [
        [{"filter": "initial*", "filterType": "WILDCARD"}],
        [
            {"filter": "initial", "filterType": "WILDCARD"},
            {"filter": "dev", "filterType": "WILDCARD"},
        ],
        [{"filter": "*", "filterType": "WILDCARD"}],
    ],
)
def test_an_exclusion_beyond_the_placeholder_is_reported(
    check: Check, filters: list[object]
) -> None:
    found = of(
        check(
            repository(
                imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters=filters,
            )
        ),
        "ecr-tag-immutability",
    )
    assert found


@pytest.mark.parametrize(
    "inputs",
    [
        {"imageTagMutability": "IMMUTABLE"},
        {
            "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
            "imageTagMutabilityExclusionFilters": [{"filter": "initial", "filterType": "WILDCARD"}],
        },
    ],
)
def test_immutable_or_only_the_placeholder_passes(check: Check, inputs: dict[str, object]) -> None:
    assert not of(check(repository(**inputs)), "ecr-tag-immutability")


def test_the_mutable_tags_are_config(check: Check) -> None:
    planted = repository(
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": "bootstrap", "filterType": "WILDCARD"}],
    )
    assert of(check(planted), "ecr-tag-immutability")
    config = {"ecr-tag-immutability": {"mutableTags": ["bootstrap"]}}
    assert not of(check(planted, policy_config=config), "ecr-tag-immutability")


def function(image: str) -> object:
    return resource(
        "aws:lambda/function:Function",
        "fn",
        {"name": "shop-test-fn", "packageType": "Image", "imageUri": image, "publish": True},
    )


def task_definition(image: str) -> object:
    containers = [{"name": "web", "image": image, "essential": True}]
    return resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "task",
        {"family": "shop-test-web", "containerDefinitions": json.dumps(containers)},
    )


@pytest.mark.parametrize("build", [function, task_definition])
@pytest.mark.parametrize(
    "image", [f"{REGISTRY}/shop:latest", f"{REGISTRY}/shop", "localhost:5000/shop"]
)
def test_latest_or_tagless_images_are_reported(check: Check, build: object, image: str) -> None:
    found = of(check(build(image)), "image-pinned")  # type: ignore[operator]
    assert len(found) == 1
    assert image in found[0].message


@pytest.mark.parametrize("build", [function, task_definition])
@pytest.mark.parametrize(
    "image", [f"{REGISTRY}/shop:abc1234", f"{REGISTRY}/shop@sha256:{'a' * 64}"]
)
def test_a_release_tag_or_a_digest_pins(check: Check, build: object, image: str) -> None:
    assert not of(check(build(image)), "image-pinned")  # type: ignore[operator]


def test_the_forbidden_tags_are_config(check: Check) -> None:
    planted = function(f"{REGISTRY}/shop:stable")
    assert not of(check(planted), "image-pinned")
    config = {"image-pinned": {"forbiddenTags": ["latest", "stable"]}}
    assert of(check(planted, policy_config=config), "image-pinned")


@pytest.mark.parametrize("build", [function, task_definition])
@pytest.mark.parametrize(
    "image", ["nginx:1.27", "ghcr.io/acme/shop:abc1234", "public.ecr.aws/acme/shop:1"]
)
def test_images_from_other_registries_are_reported(check: Check, build: object, image: str) -> None:
    found = of(check(build(image)), "image-registries")  # type: ignore[operator]
    assert len(found) == 1
    assert found[0].enforcement == "mandatory"
    assert not of(check(build(f"{REGISTRY}/shop:abc1234")), "image-registries")  # type: ignore[operator]


def test_allowed_registries_and_repositories_are_config(check: Check) -> None:
    ours = function(f"{REGISTRY}/shop-test-lambda:abc1234")
    other_account = function(
        "999999999999.dkr.ecr.eu-west-1.amazonaws.com/shop-test-lambda:abc1234"
    )
    config = {
        "image-registries": {
            "allowedRegistries": [f"{ACCOUNT}.dkr.ecr.*.amazonaws.com"],
            "allowedRepositories": ["shop-test-*"],
        }
    }
    assert not of(check(ours, policy_config=config), "image-registries")
    assert of(check(other_account, policy_config=config), "image-registries")
    elsewhere = function(f"{REGISTRY}/someone-else:abc1234")
    found = of(check(elsewhere, policy_config=config), "image-registries")
    assert found
    assert "repository someone-else" in found[0].message
