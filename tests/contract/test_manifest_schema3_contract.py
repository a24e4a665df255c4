"""Schema 3's rules (issue 22), which schema 4 keeps for a promoted stage: what a promoted
stage's infra program writes, the release tool reads.

The expected values are the contract's rules, written out (the lead's ISSUE22 contract:
"Names" and "Manifest schema 3"), never computed with the code under test:

* ``stage.from``: the build stage's stack, account (default: this stack's), region
  (default and only allowed value: this stack's), its manifest parameter
  ``/<project>/<from>/deploy-manifest`` and its reader role
  ``arn:aws:iam::<account>:role/<project>-<from>-promotion-reader``;
* per image: ``repositoryName``/``repositoryUrl`` the build stage's
  ``<project>-<from>-<image>``, ``placeholderRepositoryUrl`` this stage's own
  ``<project>-<stack>-<image>``, and ``digestParameter``
  ``/<project>/<stack>/images/<image>/digest``.

The stack files say which stage is which: both publish schema 4 (the lock contract), and a
build stage's carries no stage. The contract's schema-3 example is still read: the tool
reads schemas 1 to 3 as before.
"""

from __future__ import annotations

import json

import msgspec
import pytest

from app.deploy.manifest import parse_manifest
from infra_pulumi.plan import evaluate

from .stacks import ROOT, promote_from, released_answers

PROJECT = "container-delivery"
DEV_REGISTRY = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com"
PROD_REGISTRY = "444455556666.dkr.ecr.ap-northeast-1.amazonaws.com"
READER = "arn:aws:iam::111122223333:role/container-delivery-dev-promotion-reader"

# The contract's example, as the lead wrote it (accounts 111122223333 for dev, the build
# stage, and 444455556666 for prod), completed with schema 2's fields.
EXAMPLE = {
    "schema": 3,
    "project": PROJECT,
    "stack": "prod",
    "stage": {
        "kind": "promoted",
        "from": {
            "stack": "dev",
            "account": "111122223333",
            "region": "ap-northeast-1",
            "manifestParameter": "/container-delivery/dev/deploy-manifest",
            "readerRoleArn": READER,
        },
    },
    "images": {
        "lambda": {
            "repositoryName": "container-delivery-dev-lambda",
            "repositoryUrl": f"{DEV_REGISTRY}/container-delivery-dev-lambda",
            "placeholderRepositoryUrl": f"{PROD_REGISTRY}/container-delivery-prod-lambda",
            "digestParameter": "/container-delivery/prod/images/lambda/digest",
            "tagParameter": "/container-delivery/prod/images/lambda/tag",
            "placeholderTag": "initial",
            "lockParameter": "/container-delivery/prod/images/lambda/release-lock",
            "failedReleasesParameter": "/container-delivery/prod/images/lambda/failed-releases",
            "lambdaFunctions": [
                {
                    "name": "container-delivery-prod-api",
                    "alias": "live",
                    "codeDeployApplication": "container-delivery-prod-lambda",
                    "deploymentGroup": "container-delivery-prod-api",
                }
            ],
            "ecsServices": [],
        }
    },
}


def test_the_contracts_example_is_read():
    manifest = parse_manifest(json.dumps(EXAMPLE))

    assert not isinstance(manifest.stage, msgspec.UnsetType)
    assert manifest.stage.source.reader_role_arn == READER
    image = manifest.image("lambda")
    assert image.promoted
    assert image.digest_uri("sha256:" + "0" * 64).startswith("111122223333.dkr.ecr.")
    assert image.own_repository[0] == "container-delivery-prod-lambda"


def _region(stack: str) -> str:
    import yaml

    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return str(document["config"]["aws:region"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stage_publishes_the_schema_its_stack_file_gives_it(stack: str) -> None:
    plan = evaluate(stack, invokes=released_answers())
    manifest = parse_manifest(plan.named("deploy-manifest-parameter").inputs["insecureValue"])
    config = promote_from(stack)

    assert manifest.schema_version == 4
    if config is None:
        assert isinstance(manifest.stage, msgspec.UnsetType)
        assert not any(image.promoted for image in manifest.images.values())
        return
    assert not isinstance(manifest.stage, msgspec.UnsetType)
    source, origin = manifest.stage.source, str(config["stack"])
    own_account = str(manifest.image("lambda").placeholder_repository_url).split(".", 1)[0]
    account = str(config.get("account") or own_account)
    region = _region(stack)
    assert (source.stack, source.account, source.region) == (origin, account, region)
    assert source.manifest_parameter == f"/{PROJECT}/{origin}/deploy-manifest"
    reader = f"arn:aws:iam::{account}:role/{PROJECT}-{origin}-promotion-reader"
    assert source.reader_role_arn == reader
    for key, image in manifest.images.items():
        assert image.repository_name == f"{PROJECT}-{origin}-{key}"
        assert image.repository_url == (
            f"{account}.dkr.ecr.{region}.amazonaws.com/{PROJECT}-{origin}-{key}"
        )
        assert image.placeholder_repository_url == (
            f"{own_account}.dkr.ecr.{region}.amazonaws.com/{PROJECT}-{stack}-{key}"
        )
        assert image.digest_parameter == f"/{PROJECT}/{stack}/images/{key}/digest"
