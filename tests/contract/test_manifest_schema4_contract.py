"""Schema 4 (the lock contract): the release lock moves to a DynamoDB table.

The expected values are the contract's rules, written out, never computed with the code
under test: schema 4 is schema 2's fields and rules plus a required top-level
``lockTable`` (3 to 255 characters of ``[A-Za-z0-9_.-]``, DynamoDB's naming rule), named
``<project>-<stack>-release-locks``; with ``stage``, schema 3's rules (``stage.from``, per
image ``placeholderRepositoryUrl`` and ``digestParameter``); without it, those promoted
fields are refused. Each image's ``lockParameter`` stays required: it is the lock item's
key, and every role granted the SSM lock parameters may lock exactly those items.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest
import yaml

from app.deploy.exceptions import ManifestError, UnsupportedSchemaError
from app.deploy.manifest import parse_manifest
from infra_pulumi.plan import Plan, evaluate
from tests.aws_managed_policies import MANAGED
from tests.iam_policy import Principal
from tests.infra.roles import principals

from .stacks import ROOT, lock_table, released_answers
from .test_manifest_schema3_contract import EXAMPLE as SCHEMA_3_EXAMPLE

PROJECT = "container-delivery"
DEV_REGISTRY = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com"

#: A build stage's schema-4 manifest: schema 2's fields and the lock table.
BUILD_STAGE: dict[str, Any] = {
    "schema": 4,
    "project": PROJECT,
    "stack": "dev",
    "lockTable": "container-delivery-dev-release-locks",
    "images": {
        "lambda": {
            "repositoryName": "container-delivery-dev-lambda",
            "repositoryUrl": f"{DEV_REGISTRY}/container-delivery-dev-lambda",
            "tagParameter": "/container-delivery/dev/images/lambda/tag",
            "placeholderTag": "initial",
            "lockParameter": "/container-delivery/dev/images/lambda/release-lock",
            "failedReleasesParameter": "/container-delivery/dev/images/lambda/failed-releases",
            "lambdaFunctions": [
                {
                    "name": "container-delivery-dev-api",
                    "alias": "live",
                    "codeDeployApplication": "container-delivery-dev-lambda",
                    "deploymentGroup": "container-delivery-dev-api",
                }
            ],
            "ecsServices": [],
        }
    },
}

#: A promoted stage's: schema 3's example (its stage and per-image fields), at schema 4 with
#: the lock table.
PROMOTED_STAGE: dict[str, Any] = {
    **SCHEMA_3_EXAMPLE,
    "schema": 4,
    "lockTable": "container-delivery-prod-release-locks",
}


def changed(document: dict[str, Any], **top: Any) -> str:
    """``document`` as JSON with top-level fields replaced (``None`` removes one)."""
    copied = copy.deepcopy(document)
    for key, value in top.items():
        if value is None:
            copied.pop(key, None)
        else:
            copied[key] = value
    return json.dumps(copied)


def test_a_build_stages_schema_4_is_read() -> None:
    manifest = parse_manifest(json.dumps(BUILD_STAGE))
    assert manifest.schema_version == 4
    assert lock_table(manifest) == "container-delivery-dev-release-locks"
    assert isinstance(manifest.stage, msgspec.UnsetType)
    image = manifest.image("lambda")
    assert image.lock_parameter_name == "/container-delivery/dev/images/lambda/release-lock"
    assert not image.promoted


def test_a_promoted_stages_schema_4_is_read() -> None:
    manifest = parse_manifest(json.dumps(PROMOTED_STAGE))
    assert manifest.schema_version == 4
    assert lock_table(manifest) == "container-delivery-prod-release-locks"
    assert not isinstance(manifest.stage, msgspec.UnsetType)
    image = manifest.image("lambda")
    assert image.promoted
    assert image.digest_parameter == "/container-delivery/prod/images/lambda/digest"


@pytest.mark.parametrize("document", [BUILD_STAGE, PROMOTED_STAGE], ids=["build", "promoted"])
@pytest.mark.parametrize(
    "value",
    [None, "", "ab", "a" * 256, "locks/prod", "locks prod", "locks:prod", 42],
    ids=["missing", "empty", "2 chars", "256 chars", "slash", "space", "colon", "number"],
)
def test_schema_4_without_a_valid_lock_table_is_refused(
    document: dict[str, Any], value: object
) -> None:
    text = changed(document, lockTable=value)
    if value is None:
        assert "lockTable" not in json.loads(text)
    assert "lockTable" in str(refused(text))


@pytest.mark.parametrize("name", ["abc", "a" * 255, "Locks_1.prod-x"])
def test_any_name_dynamodb_allows_is_read(name: str) -> None:
    assert lock_table(parse_manifest(changed(BUILD_STAGE, lockTable=name))) == name


def refused(text: str) -> ManifestError:
    """The reader's refusal of a schema-4 document: for what it holds, not for its schema."""
    with pytest.raises(ManifestError) as refusal:
        parse_manifest(text)
    assert not isinstance(refusal.value, UnsupportedSchemaError), refusal.value
    return refusal.value


def test_without_a_stage_the_promoted_fields_are_refused() -> None:
    """Schema 2's rules: a build stage's entry names no placeholder repository or digest."""
    refused(changed(PROMOTED_STAGE, stage=None))


@pytest.mark.parametrize("field", ["placeholderRepositoryUrl", "digestParameter"])
def test_with_a_stage_the_promoted_fields_are_required(field: str) -> None:
    document = copy.deepcopy(PROMOTED_STAGE)
    del document["images"]["lambda"][field]
    refused(json.dumps(document))


def test_the_lock_parameter_stays_required() -> None:
    document = copy.deepcopy(BUILD_STAGE)
    del document["images"]["lambda"]["lockParameter"]
    assert "lockParameter" in str(refused(json.dumps(document)))


# --- What infra publishes and grants -------------------------------------------------------


@pytest.fixture(scope="module", params=["dev", "dev with pipelines", "prod"])
def stack_plan(request: pytest.FixtureRequest) -> tuple[str, Plan]:
    """Each example stack, and dev as a build stage with prod's pipelines (dev's own file
    has none, so its app build is seen only this way)."""
    stack, _, more = str(request.param).partition(" with ")
    config = None
    if more:
        prod = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
        config = {"pipelines": prod["container-delivery:pipelines"]}
    return stack, evaluate(stack, config=config, invokes=released_answers())


def test_each_stack_publishes_its_own_lock_table(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    manifest = parse_manifest(plan.named("deploy-manifest-parameter").inputs["insecureValue"])
    assert manifest.schema_version == 4
    assert lock_table(manifest) == f"{PROJECT}-{stack}-release-locks"
    (table,) = plan.of_type("aws:dynamodb/table:Table")
    assert table.inputs["name"] == lock_table(manifest)
    assert table.inputs["hashKey"] == "lockKey"


def test_every_role_that_may_hold_the_ssm_locks_may_hold_the_items(
    stack_plan: tuple[str, Plan],
) -> None:
    """The tool takes, reads and releases the item keyed by each image's lockParameter in
    the manifest's table: a role granted the SSM lock may do exactly that, and its own
    grants allow nothing on another table or another item action, nor (but for the
    infra deploy role, whose PowerUserAccess allows every item anyway:
    ``infra_release_statements``) on another key."""
    stack, plan = stack_plan
    manifest = parse_manifest(plan.named("deploy-manifest-parameter").inputs["insecureValue"])
    region, account = where(plan)
    table_arn = f"arn:aws:dynamodb:{region}:{account}:table/{lock_table(manifest)}"
    keys = [image.lock_parameter_name for image in manifest.images.values()]
    lock_arns = [f"arn:aws:ssm:{region}:{account}:parameter{key}" for key in keys]
    # Each role's own grants: the infra deploy role's PowerUserAccess (AWS's managed
    # policy, the README's documented exception) would allow any item of any table.
    own = {
        name: Principal(name, [p for p in role.policies if p not in MANAGED.values()])
        for name, role in principals(plan).items()
    }
    holders = {
        name: role
        for name, role in own.items()
        if all(role.allows("ssm:PutParameter", arn) for arn in lock_arns)
    }
    # With pipelines, the infra deploy (`hold` around `pulumi up`) and the app build or
    # promote build; without (dev), people release with their own credentials.
    pipelines = bool(plan.of_type("aws:codebuild/project:Project"))
    assert sorted(holders) == sorted(
        [
            f"{PROJECT}-{stack}-infra-deploy-build",
            f"{PROJECT}-{stack}-{'promote' if stack == 'prod' else 'app-build'}-build",
        ]
        if pipelines
        else []
    )
    other = f"/{PROJECT}/{stack}/images/other/release-lock"
    for name, role in holders.items():
        for action in ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"):
            for key in keys:
                context = {"dynamodb:LeadingKeys": [key]}
                assert role.allows(action, table_arn, context), (name, action, key)
                assert principals(plan)[name].allows(action, table_arn, context), name
            keyed = not name.endswith("-infra-deploy-build")
            assert role.allows(action, table_arn, {"dynamodb:LeadingKeys": [other]}) != keyed
            assert not role.allows(action, f"{table_arn}-x", {"dynamodb:LeadingKeys": keys[:1]})
        for action in ("dynamodb:UpdateItem", "dynamodb:Scan", "dynamodb:BatchWriteItem"):
            context = {"dynamodb:LeadingKeys": keys[:1]}
            assert not role.allows(action, table_arn, context), (name, action)
    others = [name for name, role in own.items() if name not in holders]
    assert others, "the stack has roles that hold no lock"
    for name in others:
        for key in keys:
            context = {"dynamodb:LeadingKeys": [key]}
            assert not own[name].allows("dynamodb:PutItem", table_arn, context), name


def where(plan: Plan) -> tuple[str, str]:
    """The stack's Region and account, from the ARN AWS gives its lock table."""
    (table,) = plan.of_type("aws:dynamodb/table:Table")
    parts = str(table.outputs["arn"]).split(":")
    return parts[3], parts[4]
