"""Schema 3 of the deploy manifest (issue 22): a promoted stage's, read beside 1 and 2.

The document is written out from the contract (the lead's ISSUE22 contract, "Manifest
schema 3"): schema 2's fields, ``stage.from`` naming the build stage and the role to
read it, and per image the build stage's repository, this stage's own (placeholder)
repository and the digest parameter.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest

from app.deploy.exceptions import ManifestInvalidError
from app.deploy.manifest import parse_manifest

BUILD = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com"
OWN = "444455556666.dkr.ecr.ap-northeast-1.amazonaws.com"
DIGEST = "sha256:" + "ab" * 32


def target(name: str) -> dict[str, str]:
    return {
        "name": name,
        "alias": "live",
        "codeDeployApplication": "cd-prod-lambda",
        "deploymentGroup": name,
    }


def image(name: str, functions: list[dict[str, str]], services: list[dict[str, str]]) -> Any:
    folder = f"/cd/prod/images/{name}"
    return {
        "repositoryName": f"cd-dev-{name}",
        "repositoryUrl": f"{BUILD}/cd-dev-{name}",
        "placeholderRepositoryUrl": f"{OWN}/cd-prod-{name}",
        "tagParameter": f"{folder}/tag",
        "digestParameter": f"{folder}/digest",
        "placeholderTag": "initial",
        "lockParameter": f"{folder}/release-lock",
        "failedReleasesParameter": f"{folder}/failed-releases",
        "lambdaFunctions": functions,
        "ecsServices": services,
    }


DOCUMENT: dict[str, Any] = {
    "schema": 3,
    "project": "cd",
    "stack": "prod",
    "stage": {
        "kind": "promoted",
        "from": {
            "stack": "dev",
            "account": "111122223333",
            "region": "ap-northeast-1",
            "manifestParameter": "/cd/dev/deploy-manifest",
            "readerRoleArn": "arn:aws:iam::111122223333:role/cd-dev-promotion-reader",
        },
    },
    "images": {
        "lambda": image("lambda", [target("cd-prod-jobs"), target("cd-prod-api")], []),
        "web": image(
            "web", [], [{"cluster": "cd-prod", "service": "cd-prod-web", "container": "web"}]
        ),
    },
}


def document() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)


def test_reads_the_stage_it_promotes_from_and_each_images_two_repositories():
    manifest = parse_manifest(json.dumps(DOCUMENT))

    assert manifest.schema_version == 3
    assert not isinstance(manifest.stage, msgspec.UnsetType)
    source = manifest.stage.source
    assert (source.stack, source.account) == ("dev", "111122223333")
    assert source.region == "ap-northeast-1"
    assert source.manifest_parameter == "/cd/dev/deploy-manifest"
    assert source.reader_role_arn == "arn:aws:iam::111122223333:role/cd-dev-promotion-reader"
    lambda_image = manifest.image("lambda")
    assert lambda_image.promoted
    assert lambda_image.uses_aliases
    assert lambda_image.digest_parameter_name == "/cd/prod/images/lambda/digest"
    assert lambda_image.digest_uri(DIGEST) == f"{BUILD}/cd-dev-lambda@{DIGEST}"
    assert lambda_image.own_repository == ("cd-prod-lambda", f"{OWN}/cd-prod-lambda")
    assert "/cd/prod/images/lambda/digest" in lambda_image.parameters()


def test_round_trips_with_the_contracts_names():
    assert json.loads(parse_manifest(json.dumps(DOCUMENT)).to_json()) == DOCUMENT


def test_schema_2_images_are_not_promoted():
    doc = document()
    doc["schema"] = 2
    del doc["stage"]
    for entry in doc["images"].values():
        del entry["placeholderRepositoryUrl"], entry["digestParameter"]

    manifest = parse_manifest(json.dumps(doc))

    assert isinstance(manifest.stage, msgspec.UnsetType)
    assert not manifest.image("lambda").promoted
    assert manifest.image("lambda").own_repository == (
        "cd-dev-lambda",
        f"{BUILD}/cd-dev-lambda",
    )


def _drop(path: str) -> dict[str, Any]:
    doc = document()
    *parents, leaf = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    del node[leaf]
    return doc


def _set(path: str, value: object, schema: int = 3) -> dict[str, Any]:
    doc = document()
    doc["schema"] = schema
    *parents, leaf = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    node[leaf] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        (_drop("stage"), "schema 3 requires stage"),
        (_drop("images.lambda.digestParameter"), "images.lambda has no digestParameter"),
        (
            _drop("images.web.placeholderRepositoryUrl"),
            "images.web has no placeholderRepositoryUrl; schema 3 requires",
        ),
        (_set("stage.kind", "build"), r"Expected `str` matching .*|Invalid enum value 'build'"),
        (_set("stage.from.account", "1111"), "account"),
        (
            _set("stage.from.readerRoleArn", "arn:aws:iam::999999999999:role/reader"),
            "is in account 999999999999, not in the build stage's account 111122223333",
        ),
        (_set("stage.from.manifestParameter", "/aws/dev/deploy-manifest"), "must not start"),
        (_set("stage.from.region", "Tokyo"), "region"),
        (
            _set("images.lambda.repositoryUrl", f"{OWN}/cd-dev-lambda"),
            "is not an ECR repository of the build stage",
        ),
        (
            _set(
                "images.lambda.placeholderRepositoryUrl",
                "444455556666.dkr.ecr.us-east-1.amazonaws.com/cd-prod-lambda",
            ),
            "promotion works within one Region",
        ),
        (_set("images.lambda.placeholderRepositoryUrl", "not-a-url"), "is not an ECR"),
        (
            _set("images.lambda.digestParameter", "/cd/prod/images/lambda/tag"),
            "must be four different parameters",
        ),
        (
            _set("images.web.digestParameter", "/cd/prod/images/lambda/digest"),
            "SSM parameter /cd/prod/images/lambda/digest is listed under images 'lambda' and 'web'",
        ),
        (_set("images.lambda.lambdaFunctions", ["cd-prod-jobs"]), "schema 3 lists objects"),
    ],
)
def test_invalid_schema_3_documents_are_refused_naming_the_field(doc, match):
    with pytest.raises(ManifestInvalidError, match=match):
        parse_manifest(json.dumps(doc))


@pytest.mark.parametrize("field", ["digestParameter", "placeholderRepositoryUrl"])
def test_schema_2_refuses_the_fields_of_schema_3(field):
    doc = document()
    doc["schema"] = 2
    del doc["stage"]
    other = {"digestParameter": "placeholderRepositoryUrl"}.get(field, "digestParameter")
    for entry in doc["images"].values():
        del entry[other]

    with pytest.raises(ManifestInvalidError, match=f"has {field}; they are schema 3's"):
        parse_manifest(json.dumps(doc))


def test_schema_2_refuses_a_stage():
    doc = _set("stage", DOCUMENT["stage"], schema=2)
    for entry in doc["images"].values():
        del entry["digestParameter"], entry["placeholderRepositoryUrl"]

    with pytest.raises(
        ManifestInvalidError, match="stage is schema 3's; this manifest's schema is 2"
    ):
        parse_manifest(json.dumps(doc))
