"""Promotion plans and the choice of what to promote, alone: given state, no AWS at all.

The expected steps follow the contract (the lead's ISSUE22 contract, "The promote
command"): the promotion tag ``promoted-<stage>-<tag>`` in the build stage's repository,
the tag and the digest recorded, and every target on ``<build repositoryUrl>@<digest>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.deploy.exceptions import BadInputError, TagNotReleasedError
from app.deploy.functions import FunctionState
from app.deploy.manifest import EcsServiceTarget, ImageTargets, LambdaTarget
from app.deploy.plan import (
    PublishVersion,
    PutDigest,
    PutTag,
    ShiftAlias,
    TagSource,
    UpdateCode,
    WriteImageDefinitions,
)
from app.deploy.planner import plan_promotion
from app.deploy.promotion import Chosen, choose_tag, promotion_tag
from app.deploy.records import Version
from app.deploy.schemas import StageSource
from app.deploy.state import AliasRead, ReleaseState
from app.deploy.traffic import AliasState

BUILD = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/cd-dev-lambda"
OWN = "444455556666.dkr.ecr.ap-northeast-1.amazonaws.com/cd-prod-lambda"
DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
OLD, NEW = "aaaaaaa", "bbbbbbb"
FUNCTIONS = ("cd-prod-jobs", "cd-prod-api")
SOURCE = StageSource(
    stack="dev",
    account="111122223333",
    region="ap-northeast-1",
    manifest_parameter="/cd/dev/deploy-manifest",
    reader_role_arn="arn:aws:iam::111122223333:role/cd-dev-promotion-reader",
)


def image(*, ecs: bool = False) -> ImageTargets:
    return ImageTargets(
        repository_name="cd-dev-lambda",
        repository_url=BUILD,
        tag_parameter="/cd/prod/images/lambda/tag",
        placeholder_tag="initial",
        lambda_functions=()
        if ecs
        else tuple(LambdaTarget(n, "live", "cd-prod-lambda", n) for n in FUNCTIONS),
        ecs_services=(EcsServiceTarget("cd-prod", "cd-prod-web", "web"),) if ecs else (),
        lock_parameter="/cd/prod/images/lambda/release-lock",
        failed_releases_parameter="/cd/prod/images/lambda/failed-releases",
        placeholder_repository_url=OWN,
        digest_parameter="/cd/prod/images/lambda/digest",
    )


def chosen(tag: str = NEW, digest: str = DIGEST) -> Chosen:
    return Chosen(SOURCE, tag, digest, f"promoted-prod-{tag}", current=True)


def config(code: str) -> dict[str, object]:
    return {"CodeSha256": code, "MemorySize": 512, "Timeout": 30, "RevisionId": f"r-{code}"}


def state(tag: str, digest: str, running: str, served: str) -> ReleaseState:
    """prod as read: recorded ``tag``/``digest``, $LATEST on ``running``, aliases on ``served``."""
    functions = {n: FunctionState(running, f"rev-{n}", config(running)) for n in FUNCTIONS}
    aliases = {n: AliasRead(AliasState("live", "1"), config(served)) for n in FUNCTIONS}
    return ReleaseState(tag, 4, functions, aliases, (), digest, 9)


def test_a_first_promotion_tags_the_source_records_both_then_moves_every_target_by_digest():
    placeholder = f"{OWN}@sha256:" + "00" * 32
    read = state("initial", "initial", placeholder, placeholder)

    plan = plan_promotion("lambda", image(), chosen(), read, tagged=False)

    target = f"{BUILD}@{DIGEST}"
    assert plan.steps[:3] == (
        TagSource("cd-dev-lambda", BUILD, f"promoted-prod-{NEW}", DIGEST),
        PutTag("/cd/prod/images/lambda/tag", NEW, "initial", 4),
        PutDigest("/cd/prod/images/lambda/digest", DIGEST, "initial", 9),
    )
    assert plan.steps[3:5] == tuple(
        UpdateCode(n, target, placeholder, f"rev-{n}") for n in FUNCTIONS
    )
    assert [type(s) for s in plan.steps[5:]] == [PublishVersion] * 2 + [ShiftAlias] * 2
    assert plan.image_uri == target  # never a tag
    assert plan.tag_source is not None
    assert plan.tag_source.restore() == f"delete tag promoted-prod-{NEW} if it still names {DIGEST}"
    assert plan.put_digest is not None
    assert plan.put_digest.guard() == "version 9 read"
    assert plan.lines()[0] == (
        f"plan: promote of image lambda from dev to {NEW} ({DIGEST}) (recorded: initial): 9 steps"
    )
    document = json.loads(json.dumps(plan.to_dict()))
    assert (document["command"], document["tag"], document["digest"]) == ("promote", NEW, DIGEST)
    assert document["source"] == {
        "stack": "dev",
        "account": "111122223333",
        "region": "ap-northeast-1",
    }
    assert document["steps"][0] == {
        "step": 1,
        "action": "tag-source",
        "target": BUILD,
        "repository": "cd-dev-lambda",
        "tag": f"promoted-prod-{NEW}",
        "digest": DIGEST,
        "guard": f"tag promoted-prod-{NEW} absent when read",
        "restore": f"delete tag promoted-prod-{NEW} if it still names {DIGEST}",
    }


def test_an_existing_promotion_tag_is_kept_and_a_promoted_digest_everywhere_is_empty():
    target = f"{BUILD}@{DIGEST}"

    plan = plan_promotion(
        "lambda", image(), chosen(), state(NEW, DIGEST, target, target), tagged=True
    )

    assert plan.steps == ()
    assert plan.empty
    assert plan.lines() == [
        f"plan: promote of image lambda from dev: {NEW} ({DIGEST}) is already released; "
        "nothing to change"
    ]


def test_another_tag_on_the_same_digest_records_only_the_tag():
    target = f"{BUILD}@{DIGEST}"

    plan = plan_promotion(
        "lambda", image(), chosen("ccccccc"), state(NEW, DIGEST, target, target), tagged=True
    )

    assert plan.steps == (PutTag("/cd/prod/images/lambda/tag", "ccccccc", NEW, 4),)


def test_a_web_image_writes_imagedefinitions_by_digest():
    read = ReleaseState(OLD, 2, {}, previous_digest=OTHER, digest_version_before=3)

    plan = plan_promotion(
        "web", image(ecs=True), chosen(), read, tagged=False, imagedefinitions=Path("i.json")
    )

    assert [type(s) for s in plan.steps] == [TagSource, PutTag, PutDigest, WriteImageDefinitions]
    assert plan.steps[2] == PutDigest("/cd/prod/images/lambda/digest", DIGEST, OTHER, 3)
    assert plan.steps[-1] == WriteImageDefinitions(
        "i.json",
        f"{BUILD}@{DIGEST}",
        ("web",),
        ("ECS service cd-prod/cd-prod-web (container web)",),
    )


def history(*values: str) -> list[Version]:
    return [Version(number, value) for number, value in enumerate(values, 1)]


def test_the_default_tag_is_the_recorded_one_and_an_older_released_one_may_be_chosen():
    versions = history("initial", OLD, NEW)

    assert choose_tag("dev", "lambda", "initial", versions, set(), None) == (NEW, True)
    assert choose_tag("dev", "lambda", "initial", versions, set(), OLD) == (OLD, False)


def test_a_tag_dev_never_released_is_refused_naming_what_it_did_release():
    with pytest.raises(TagNotReleasedError, match=r"tag ccccccc was never released in dev.*"):
        choose_tag("dev", "lambda", "initial", history("initial", OLD, NEW), set(), "ccccccc")


def test_a_tag_whose_last_release_failed_is_refused_one_released_after_a_failure_is_not():
    versions = history("initial", OLD, NEW, OLD, NEW)  # NEW failed at 3, went through at 5

    with pytest.raises(TagNotReleasedError, match=r"tag bbbbbbb's last release in dev failed"):
        choose_tag("dev", "lambda", "initial", versions, {5}, NEW)
    assert choose_tag("dev", "lambda", "initial", versions, {3}, NEW) == (NEW, True)


def test_a_placeholder_is_never_promoted():
    with pytest.raises(TagNotReleasedError, match="holds the placeholder 'initial'"):
        choose_tag("dev", "lambda", "initial", history("initial"), set(), None)


def test_the_promotion_tag_fits_an_image_tag():
    assert promotion_tag("prod", NEW) == f"promoted-prod-{NEW}"
    with pytest.raises(BadInputError, match="an image tag has at most 128"):
        promotion_tag("p" * 80, "a" * 40)


def test_a_promotion_tag_on_another_digest_is_refused_with_the_command_to_clear_it():
    """The build stage's promotion tag names another image: promoted before as something
    else. Refused (exit 2, nothing changed), with the command that removes the old tag."""
    from types import SimpleNamespace

    from app.deploy.exceptions import DigestMismatchError
    from app.deploy.promote import Promoter

    registry = SimpleNamespace(tagged=lambda built, tag: OTHER)
    stage: Any = SimpleNamespace(source=SOURCE, registry=registry)

    with pytest.raises(DigestMismatchError) as refused:
        Promoter._tagged(stage, image(), chosen())

    message = str(refused.value)
    assert f"tag promoted-prod-{NEW} in {BUILD} names {OTHER}, not {DIGEST}" in message
    assert (
        f"aws ecr batch-delete-image --registry-id {SOURCE.account} --repository-name "
        f"cd-dev-lambda --image-ids imageTag=promoted-prod-{NEW}"
    ) in message
    assert message.endswith("nothing was changed")
    assert DigestMismatchError.exit_code == 2
