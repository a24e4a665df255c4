"""``promote``'s refusals before it changes anything, end to end (issue 22): no credentials,
the wrong Region, a build stage that is not one, a tag or a recorded digest that is gone.

Real CLI processes, two stages on one moto server (promotion_fakes.py); each refusal
leaves both stages as they were, and says what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .fakes import NEW, OLD, REGION
from .promotion_fakes import Stages

pytestmark = pytest.mark.e2e

PROMOTE = ("promote", "--image", "lambda", "--from", "dev")


def republish(stages: Stages, change: Callable[[dict[str, Any]], None]) -> None:
    """prod's schema-3 manifest, changed as a hand-edited or stale parameter would be."""
    prod = stages.prod
    document = json.loads(
        prod.ssm.get_parameter(Name=prod.manifest_parameter)["Parameter"]["Value"]
    )
    change(document)
    prod.publish_manifest(json.dumps(document))


def refused(stages: Stages, deploy: Any, *args: str, exit_code: int = 2, **env: str | None) -> Any:
    """Run the CLI, which must refuse with ``exit_code`` and change nothing in either stage."""
    before = stages.snapshot("lambda")
    run = deploy(*args, **env)
    assert run.returncode == exit_code, run.stderr
    assert stages.snapshot("lambda") == before
    return run


def test_no_credentials_is_exit_5_naming_what_to_give(stages, deploy):
    run = refused(stages, deploy, *PROMOTE, "--json", exit_code=5,
                  AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)  # fmt: skip

    document = json.loads(run.stdout)
    assert document["errorType"] == "AwsAccessError"
    assert document["error"].startswith(
        f"cannot read deploy manifest {stages.prod.manifest_parameter}: NoCredentialsError: "
    )
    assert "Run with credentials that may call ssm:GetParameter on it" in document["error"]


def test_a_run_in_another_region_than_the_build_stages_is_exit_2(stages, deploy):
    """The manifest says where the build stage is; the run's Region is the CLI's own
    (AWS_REGION): the app side checks the two meet, as no infra check can."""
    prod = stages.prod
    elsewhere = prod.session.client("ssm", region_name="us-west-2")
    manifest = prod.ssm.get_parameter(Name=prod.manifest_parameter)["Parameter"]["Value"]
    elsewhere.put_parameter(Name=prod.manifest_parameter, Value=manifest, Type="String")

    run = refused(stages, deploy, *PROMOTE, AWS_REGION="us-west-2")

    assert (
        f"this run is in us-west-2, but dev is in {REGION}; promotion works within one "
        f"Region: run with AWS_REGION={REGION}; nothing was changed"
    ) in run.stderr
    assert "assumed" not in run.stderr  # refused before the reader role was asked


def test_a_stage_promoting_from_itself_is_refused_before_any_role_is_assumed(stages, deploy):
    def from_itself(document: dict[str, Any]) -> None:
        document["stage"]["from"]["stack"] = "prod"

    republish(stages, from_itself)

    run = refused(stages, deploy, "promote", "--image", "lambda", "--from", "prod", "--json")

    assert json.loads(run.stdout)["errorType"] == "NotPromotedStageError"
    assert "stack prod promotes from itself (stage.from.stack)" in run.stderr
    assert "container-delivery:promoteFrom" in run.stderr
    assert "assumed" not in run.stderr


def test_a_build_stage_manifest_of_a_promoted_stage_or_of_another_stack_is_refused(stages, deploy):
    dev, prod = stages.dev, stages.prod
    # dev's parameter holds a promoted stage's manifest (prod's, copied there).
    dev.publish_manifest(prod.ssm.get_parameter(Name=prod.manifest_parameter)["Parameter"]["Value"])

    assert (
        f"stage dev's deploy manifest {dev.manifest_parameter} is stack 'prod''s, a promoted "
        "stage's (schema 3), which builds nothing to promote from; nothing was changed. Set "
        "this stack's container-delivery:promoteFrom to the stack that builds the image"
    ) in refused(stages, deploy, *PROMOTE).stderr

    document = dev.manifest_document()
    document["stack"] = "staging"
    dev.publish_manifest(json.dumps(document))

    assert (
        f"stage dev's deploy manifest {dev.manifest_parameter} is stack 'staging''s, not "
        "'dev''s; nothing was changed. Publish dev's manifest again (pulumi up in stack dev)"
    ) in refused(stages, deploy, *PROMOTE).stderr


def test_a_tag_gone_from_the_build_stages_repository_is_exit_2(stages, deploy):
    dev = stages.dev
    repository = dev.images["lambda"]["repositoryName"]
    # OLD is in dev's history, but its image expired (the lifecycle policy) or was deleted.
    dev.ecr.batch_delete_image(repositoryName=repository, imageIds=[{"imageTag": OLD}])

    run = refused(stages, deploy, *PROMOTE, "--tag", OLD, "--json")

    assert json.loads(run.stdout)["errorType"] == "ImageTagNotFoundError"
    assert (
        f"tag {OLD} is not in stage dev's ECR repository {repository} (expired, or never "
        "pushed); nothing was changed. Promote a tag dev released that is still there"
    ) in run.stderr


def test_release_recorded_of_a_digest_gone_from_the_build_stage_is_exit_2(stages, deploy):
    assert deploy(*PROMOTE).returncode == 0
    digest = stages.digest("lambda", NEW)
    dev = stages.dev
    repository = dev.images["lambda"]["repositoryName"]
    # Deleted by hand: the lifecycle policy keeps promoted- images.
    dev.ecr.batch_delete_image(repositoryName=repository, imageIds=[{"imageDigest": digest}])

    run = refused(stages, deploy, "release", "--image", "lambda", "--recorded", "--json")

    error = json.loads(run.stdout)["error"]
    assert error.startswith(
        f"the recorded digest {digest} is not in {dev.images['lambda']['repositoryUrl']}"
    )
    assert "nothing was changed" in error
    assert "python -m app.deploy promote --image lambda --from dev" in error
    assert stages.prod.lock_value("lambda") is None
