"""The planner: from what was read (``ReleaseState``) to the steps of a release.

Pure functions, no AWS: a schema-1 planner (the tag parameter, then each function's
``$LATEST``) and a schema-2 planner (the same, then per function a published version
and a CodeDeploy deployment of its alias) produce the same step types. A promotion
(schema 3) is one more planner over the same steps: the promotion tag in the build
stage's repository and the digest parameter first, then schema 2's steps to
``<repositoryUrl>@<digest>``. Rollback's choice of tag is here too: the newest
recorded value unlike the current one that no failed release wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from app.deploy.exceptions import NoPreviousTagError
from app.deploy.plan import (
    Promotion,
    PublishVersion,
    PutDigest,
    PutTag,
    ReleasePlan,
    ShiftAlias,
    Step,
    TagSource,
    UpdateCode,
    WriteImageDefinitions,
)
from app.deploy.shell import shell_command
from app.deploy.traffic import config_differences

if TYPE_CHECKING:
    from pathlib import Path

    from app.deploy.manifest import ImageTargets
    from app.deploy.promotion import Chosen
    from app.deploy.records import Version
    from app.deploy.state import ReleaseState


def plan_release(
    command: Literal["release", "rollback"],
    image_name: str,
    image: ImageTargets,
    tag: str,
    state: ReleaseState,
    *,
    deployment_config: str | None = None,
    imagedefinitions: Path | None = None,
) -> ReleasePlan:
    """The plan of releasing ``tag`` over ``state``; ``deployment_config`` overrides the groups'.

    Steps come in the order they run: the parameter, the functions' code, (schema 2)
    the versions and the aliases, then ``imagedefinitions.json``.
    """
    steps: list[Step] = []
    if state.previous_tag != tag:
        steps.append(PutTag(image.tag_parameter, tag, state.previous_tag, state.version_before))
    return _plan(
        command, image_name, image, tag, image.image_uri(tag), state, steps,
        deployment_config=deployment_config, imagedefinitions=imagedefinitions,
    )  # fmt: skip


def plan_promotion(
    image_name: str,
    image: ImageTargets,
    chosen: Chosen,
    state: ReleaseState,
    *,
    tagged: bool,
    imagedefinitions: Path | None = None,
) -> ReleasePlan:
    """The plan of promoting ``chosen`` (a tag and its digest) into this stage.

    ``tagged``: the build stage's image already carries the promotion tag (a
    re-promotion), so it is not added again. Then the tag parameter (for people), the
    digest parameter (what the infra program pins), and schema 2's steps, every target
    to ``<repositoryUrl>@<digest>``: never a tag.
    """
    digest_parameter = image.digest_parameter_name
    previous_digest = state.previous_digest or image.placeholder_tag
    steps: list[Step] = []
    if not tagged:
        steps.append(
            TagSource(
                image.repository_name, image.repository_url, chosen.promotion_tag, chosen.digest
            )
        )
    if state.previous_tag != chosen.tag:
        steps.append(
            PutTag(image.tag_parameter, chosen.tag, state.previous_tag, state.version_before)
        )
    if previous_digest != chosen.digest:
        steps.append(
            PutDigest(digest_parameter, chosen.digest, previous_digest, state.digest_version_before)
        )
    promotion = Promotion(
        source=chosen.source.stack,
        account=chosen.source.account,
        region=chosen.source.region,
        digest=chosen.digest,
        digest_parameter=digest_parameter,
        previous_digest=previous_digest,
        promotion_tag=chosen.promotion_tag,
    )
    return _plan(
        "promote", image_name, image, chosen.tag, image.digest_uri(chosen.digest), state, steps,
        imagedefinitions=imagedefinitions, promotion=promotion, notes=chosen.notes,
    )  # fmt: skip


def _plan(
    command: Literal["release", "rollback", "promote"],
    image_name: str,
    image: ImageTargets,
    tag: str,
    uri: str,
    state: ReleaseState,
    steps: list[Step],
    *,
    deployment_config: str | None = None,
    imagedefinitions: Path | None = None,
    promotion: Promotion | None = None,
    notes: tuple[str, ...] = (),
) -> ReleasePlan:
    """``steps`` (the records), then the schema's planner to ``uri``, then the ECS file."""
    planner = PLANNERS[2 if image.uses_aliases else 1]
    steps.extend(planner(image, uri, tag, state, deployment_config))
    if image.ecs_services and imagedefinitions is not None:
        containers = tuple(sorted({svc.container for svc in image.ecs_services}))
        services = tuple(svc.describe() for svc in image.ecs_services)
        steps.append(WriteImageDefinitions(str(imagedefinitions), uri, containers, services))
    return ReleasePlan(
        command=command,
        image=image_name,
        tag=tag,
        image_uri=uri,
        tag_parameter=image.tag_parameter,
        previous_tag=state.previous_tag,
        version_before=state.version_before,
        steps=tuple(steps),
        notes=(*notes, *state.notes),
        promotion=promotion,
    )


def _updates(image: ImageTargets, uri: str, state: ReleaseState) -> list[UpdateCode]:
    return [
        UpdateCode(name, uri, state.functions[name].image, state.functions[name].revision)
        for name in image.function_names
        if state.functions[name].image != uri
    ]


def _schema1(
    image: ImageTargets, uri: str, tag: str, state: ReleaseState, deployment_config: str | None
) -> list[Step]:
    """Schema 1: update every function whose ``$LATEST`` runs another image."""
    return list(_updates(image, uri, state))


def _schema2(
    image: ImageTargets, uri: str, tag: str, state: ReleaseState, deployment_config: str | None
) -> list[Step]:
    """Schema 2: the updates, then a version and a deployment where the alias lags.

    A function whose alias already serves what ``$LATEST`` holds (code and
    configuration, traffic not split) needs nothing. After an update ``$LATEST``
    holds new code, so its version is published with the ``CodeSha256`` and
    ``RevisionId`` the update leaves; the applier still skips it if the alias then
    already serves that code.
    """
    updates = _updates(image, uri, state)
    updated = {step.function for step in updates}
    publishes: list[Step] = []
    shifts: list[Step] = []
    for target in image.lambda_targets:
        read = state.aliases[target.name]
        if target.name in updated:
            publish = PublishVersion(target.name, tag, None, None, ("code",))
        else:
            latest = state.functions[target.name].config
            changed = tuple(config_differences(latest, read.served))
            if not changed and not read.alias.split:
                continue
            publish = PublishVersion(
                target.name,
                tag,
                str(latest.get("CodeSha256", "")),
                str(latest.get("RevisionId", "")),
                changed,
            )
        publishes.append(publish)
        shifts.append(ShiftAlias(target, read.alias.version, deployment_config))
    return [*updates, *publishes, *shifts]


SchemaPlanner = Callable[["ImageTargets", str, str, "ReleaseState", "str | None"], list[Step]]
"""A schema's planner (image, URI, tag, state, config): the targets' steps, after the
records' steps, before ``imagedefinitions``."""

PLANNERS: dict[int, SchemaPlanner] = {1: _schema1, 2: _schema2}


def choose_previous(
    image_name: str, image: ImageTargets, history: list[Version], failed: set[int]
) -> str:
    """The tag ``rollback`` releases: the latest recorded value unlike the current one.

    Versions of failed releases are skipped. The placeholder tag is refused: rolling a
    live function back to the placeholder image would take it out of service.
    """
    current = history[-1].value
    for entry in reversed(history):
        if entry.version in failed or entry.value == current:
            continue
        if entry.value == image.placeholder_tag:
            raise NoPreviousTagError(
                f"the tag before {current!r} in {image.tag_parameter} is the placeholder "
                f"{entry.value!r}; refusing to roll functions back to the placeholder image. "
                "Release a real tag instead: "
                + shell_command(
                    "python", "-m", "app.deploy", "release", "--image", image_name, "--tag"
                )
                + " <tag>"
            )
        return entry.value
    raise NoPreviousTagError(
        f"{image.tag_parameter} has no earlier value than {current!r} in its history "
        f"({len(history)} version(s) kept by SSM, failed releases skipped); "
        "nothing to roll back to"
    )
