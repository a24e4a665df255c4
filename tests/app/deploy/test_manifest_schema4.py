"""Schema 4 of the deploy manifest (issue 24): schema 2 or 3 plus the lock table.

The documents are written out from the contract (LOCK-SPEC, "The contract"): schema 2's
fields and rules, a required ``lockTable`` that follows DynamoDB's table name rules
(DynamoDB Developer Guide, "Supported data types and naming rules": 3 to 255 characters
of ``a-z A-Z 0-9 _ - .``), and an optional ``stage`` with schema 3's rules when present.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest

from app.deploy.exceptions import ManifestInvalidError
from app.deploy.manifest import parse_manifest
from app.deploy.schemas import Stage

from .test_manifest_schema3 import DOCUMENT as PROMOTED_3

URL = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
TABLE = "cd-dev-release-locks"


def image(name: str, functions: list[dict[str, str]], services: list[dict[str, str]]) -> Any:
    folder = f"/cd/dev/images/{name}"
    return {
        "repositoryName": f"cd-dev-{name}",
        "repositoryUrl": f"{URL}/cd-dev-{name}",
        "tagParameter": f"{folder}/tag",
        "placeholderTag": "initial",
        "lockParameter": f"{folder}/release-lock",
        "failedReleasesParameter": f"{folder}/failed-releases",
        "lambdaFunctions": functions,
        "ecsServices": services,
    }


BUILD: dict[str, Any] = {
    "schema": 4,
    "project": "cd",
    "stack": "dev",
    "lockTable": TABLE,
    "images": {
        "lambda": image(
            "lambda",
            [
                {
                    "name": "cd-dev-jobs",
                    "alias": "live",
                    "codeDeployApplication": "cd-dev-lambda",
                    "deploymentGroup": "cd-dev-jobs",
                }
            ],
            [],
        ),
        "web": image(
            "web", [], [{"cluster": "cd-dev", "service": "cd-dev-web", "container": "web"}]
        ),
    },
}


def build(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BUILD)
    doc.update(changes)
    return doc


def promoted(**changes: Any) -> dict[str, Any]:
    """Schema 3's promoted document as schema 4: the same stage and images, plus the table."""
    doc = copy.deepcopy(PROMOTED_3)
    doc.update({"schema": 4, "lockTable": "cd-prod-release-locks", **changes})
    return doc


def refused(doc: dict[str, Any]) -> str:
    with pytest.raises(ManifestInvalidError) as caught:
        parse_manifest(json.dumps(doc), "deploy manifest /cd/dev/deploy-manifest")
    return str(caught.value)


def test_a_build_stage_reads_with_its_lock_table_and_schema_2s_targets():
    manifest = parse_manifest(json.dumps(BUILD))

    assert manifest.schema_version == 4
    assert manifest.lock_table_name == TABLE
    assert manifest.stage is msgspec.UNSET
    assert not any(image.promoted for image in manifest.images.values())
    lambda_image = manifest.image("lambda")
    assert lambda_image.uses_aliases
    assert lambda_image.lock_parameter_name == "/cd/dev/images/lambda/release-lock"
    assert manifest.image("web").ecs_services[0].service == "cd-dev-web"


def test_a_promoted_stage_reads_with_schema_3s_stage_and_fields():
    manifest = parse_manifest(json.dumps(promoted()))

    assert manifest.lock_table_name == "cd-prod-release-locks"
    assert isinstance(manifest.stage, Stage)
    assert manifest.stage.source.stack == "dev"
    assert all(image.promoted for image in manifest.images.values())
    assert manifest.image("lambda").digest_parameter_name == "/cd/prod/images/lambda/digest"


@pytest.mark.parametrize("schema", [1, 2, 3])
def test_older_schemas_have_no_lock_table(schema):
    doc = promoted(schema=3) if schema == 3 else build(schema=schema)
    if schema == 1:
        for entry in doc["images"].values():
            entry["lambdaFunctions"] = [f["name"] for f in entry["lambdaFunctions"]]
    del doc["lockTable"]

    assert parse_manifest(json.dumps(doc)).lock_table_name is None
    doc["lockTable"] = TABLE

    message = refused(doc)

    assert f"lockTable is schema 4's; this manifest's schema is {schema}" in message
    assert "run pulumi up on the infra stack to publish it again" in message


def test_schema_4_requires_the_lock_table():
    doc = build()
    del doc["lockTable"]

    message = refused(doc)

    assert message.startswith("deploy manifest /cd/dev/deploy-manifest is invalid: ")
    assert "schema 4 requires lockTable, the DynamoDB table of the release locks" in message


@pytest.mark.parametrize(
    "name", ["abc", "a" * 255, "Cd_Dev.release-locks", "0.9", "A-_.z"], ids=len
)
def test_lock_table_names_within_dynamodbs_rules_are_read(name):
    assert parse_manifest(json.dumps(build(lockTable=name))).lock_table_name == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ab", "must be 3 to 255 characters (it has 2)"),
        ("", "must be 3 to 255 characters (it has 0)"),
        ("a" * 256, "must be 3 to 255 characters (it has 256)"),
        ("cd/dev/locks", "may only contain a-z, A-Z, 0-9, _ - and ."),
        ("cd dev locks", "may only contain"),
        ("cd-dev-löcks", "may only contain"),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/cd-dev-locks", "may only contain"),
    ],
)
def test_lock_table_names_outside_dynamodbs_rules_are_refused_naming_the_rule(name, why):
    message = refused(build(lockTable=name))

    assert f"lockTable {name!r} {why}" in message


def test_a_lock_table_that_is_not_a_string_is_refused_at_its_path():
    assert "Expected `str`, got `int` - at `$.lockTable`" in refused(build(lockTable=7))


@pytest.mark.parametrize("field", ["digestParameter", "placeholderRepositoryUrl"])
def test_without_a_stage_schema_4_refuses_the_promoted_fields(field):
    doc = build()
    doc["images"]["lambda"][field] = (
        "/cd/dev/images/lambda/digest" if field == "digestParameter" else f"{URL}/cd-dev-x"
    )

    message = refused(doc)

    assert f"images.lambda has {field}; they are a promoted stage's (schema 4, stage)" in (message)


@pytest.mark.parametrize("field", ["digestParameter", "placeholderRepositoryUrl"])
def test_with_a_stage_schema_4_requires_the_promoted_fields(field):
    doc = promoted()
    del doc["images"]["web"][field]

    assert f"images.web has no {field}; schema 4 with stage requires them" in refused(doc)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda doc: doc["images"]["lambda"].update(repositoryUrl=f"{URL}/cd-dev-lambda"),
            "is not an ECR repository of the build stage (account 111122223333",
        ),
        (
            lambda doc: doc["stage"]["from"].update(
                readerRoleArn="arn:aws:iam::999999999999:role/reader"
            ),
            "is in account 999999999999, not in the build stage's account 111122223333",
        ),
        (
            lambda doc: doc["images"]["lambda"].update(
                placeholderRepositoryUrl="444455556666.dkr.ecr.us-east-1.amazonaws.com/x"
            ),
            "promotion works within one Region",
        ),
    ],
    ids=["build-repository", "reader-role", "region"],
)
def test_with_a_stage_schema_4_checks_the_build_stages_repositories(change, match):
    doc = promoted()
    change(doc)

    assert match in refused(doc)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda doc: doc["images"]["lambda"].update(lambdaFunctions=["cd-dev-jobs"]),
            "images.lambda.lambdaFunctions lists names; schema 4 lists objects",
        ),
        (
            lambda doc: doc["images"]["web"].pop("lockParameter"),
            "images.web has no lockParameter; schema 4 requires them",
        ),
        (
            lambda doc: doc["images"]["web"].pop("failedReleasesParameter"),
            "images.web has no failedReleasesParameter; schema 4 requires them",
        ),
        (
            lambda doc: doc["images"]["web"].update(
                lockParameter="/cd/dev/images/lambda/release-lock"
            ),
            "SSM parameter /cd/dev/images/lambda/release-lock is listed under images "
            "'lambda' and 'web'",
        ),
    ],
    ids=["names", "lock-parameter", "failed-releases", "shared-lock"],
)
def test_schema_4_keeps_schema_2s_rules(change, match):
    doc = build()
    change(doc)

    assert match in refused(doc)
