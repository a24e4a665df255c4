"""The contract between the two repositories: what infra writes, app can read.

Infra builds the manifest in ``infra_pulumi/components/manifest.py``; the app release
tool parses it with ``app.deploy.manifest.parse_manifest``. This test feeds the first to
the second, for the example stacks, so a change on either side that breaks the other
fails here.

Both kinds of stage publish schema 4 (the lock contract): schema 2's fields, each
function with its ``live`` alias and the CodeDeploy application and deployment group that
shift it, plus ``lockTable``; a promoted stage (``container-delivery:promoteFrom`` in its
stack file) adds schema 3's ``stage`` and per-image fields, which
test_manifest_schema3_contract.py checks against the contract's names. The expected names
below follow the naming rule (``<project>-<stack>-lambda`` for the application,
``<project>-<stack>-<function>`` for each group, ``<project>-<stack>-release-locks`` for
the lock table), written out rather than computed with the code under test.
"""

from __future__ import annotations

import msgspec
import pytest

from app.deploy.manifest import parse_manifest
from infra_pulumi.plan import evaluate

from .stacks import DIGEST, TAG, lock_table, promote_from, released_answers


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_app_reads_what_infra_writes(stack: str) -> None:
    plan = evaluate(stack, invokes=released_answers())
    text = plan.named("deploy-manifest-parameter").inputs["insecureValue"]
    manifest = parse_manifest(text)

    functions = plan.of_type("aws:lambda/function:Function")
    lambda_image = manifest.image("lambda")
    promoted = promote_from(stack) is not None
    # Schema 4 from both kinds of stage; a promoted one carries its stage too.
    assert manifest.schema_version == 4
    assert isinstance(manifest.stage, msgspec.UnsetType) is not promoted
    (table,) = plan.of_type("aws:dynamodb/table:Table")
    assert lock_table(manifest) == table.inputs["name"]
    assert lock_table(manifest) == f"container-delivery-{stack}-release-locks"
    assert lambda_image.uses_aliases
    assert sorted(lambda_image.function_names) == sorted(f.inputs["name"] for f in functions)
    # What the release tool deploys through is what infra created.
    (application,) = plan.of_type("aws:codedeploy/application:Application")
    groups = {
        g.inputs["deploymentGroupName"]
        for g in plan.of_type("aws:codedeploy/deploymentGroup:DeploymentGroup")
    }
    aliases = {
        (a.inputs["functionName"], a.inputs["name"]) for a in plan.of_type("aws:lambda/alias:Alias")
    }
    prefix = f"container-delivery-{stack}"
    for target in lambda_image.lambda_targets:
        assert (target.name, target.alias) in aliases
        assert target.alias == "live"
        assert target.code_deploy_application == application.inputs["name"] == f"{prefix}-lambda"
        assert target.deployment_group in groups
        assert target.deployment_group == target.name  # <prefix>-<function short name>
    assert lambda_image.tag_parameter == plan.outputs["imageTagParameters"]["lambda"]
    web = manifest.image("web")
    # What a release (build stage) or a promotion (by digest, never a tag) leaves running.
    if promoted:
        assert lambda_image.digest_uri(DIGEST) == functions[0].inputs["imageUri"]
        assert web.digest_uri(DIGEST) == plan.outputs["webImageUri"]
    else:
        assert lambda_image.image_uri(TAG) == functions[0].inputs["imageUri"]
        assert web.image_uri(TAG) == plan.outputs["webImageUri"]

    (service,) = plan.of_type("aws:ecs/service:Service")
    (web_target,) = web.ecs_services
    assert (web_target.service, web_target.container) == (service.inputs["name"], "web")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_tool_finds_its_lock_and_record_where_infra_grants_them(stack: str) -> None:
    """The release lock and the failed-release record sit in each image's folder.

    The names follow the agreed rule (not the reader's code): the tag parameter is
    ``/<project>/<stack>/images/<image>/tag``, the lock ``.../<image>/release-lock`` and
    the record ``.../<image>/failed-releases``. Whether infra writes the optional
    ``lockParameter`` / ``failedReleasesParameter`` fields or leaves them out, the
    tool must use exactly these names, since IAM grants them by exact ARN.
    """
    plan = evaluate(stack, invokes=released_answers())
    manifest = parse_manifest(plan.named("deploy-manifest-parameter").inputs["insecureValue"])

    for key, image in manifest.images.items():
        folder = f"/{manifest.project}/{manifest.stack}/images/{key}"
        assert image.tag_parameter == f"{folder}/tag"
        assert image.lock_parameter_name == f"{folder}/release-lock"
        assert image.failed_releases_parameter_name == f"{folder}/failed-releases"
