"""``promote``: release in this stage the very digest its build stage released (issue 22).

The order is the contract in docs/app-release.md ("promote"):

1. this stage's manifest is schema 3, and ``--from`` is its ``stage.from.stack``;
2. the build stage's promotion reader role is assumed (``app.deploy.source``);
3. its manifest, tag parameter (value and history) and failed-release record are read:
   the tag (default: the one it records) must be one it released (``app.deploy.promotion``);
4. the tag's digest is read from its repository: refused if ``--digest`` differs, or if
   its live targets run another digest (when the tag is what it records now);
5. the digest must be readable where this stage pulls it (a bounded wait, with progress);
6. under this stage's lock of the image, as ``release`` does: read, plan (the promotion
   tag in the build stage's repository, the tag and digest parameters, then schema 2's
   steps to ``<repositoryUrl>@<digest>``), apply, and restore on failure.

Steps 1 to 5 change nothing: a refusal there is exit 2 (or 5, or 1 for a timeout).

``release --recorded`` in a promoted stage (the infra deploy stage's release after
``pulumi up``) releases the recorded digest again, under the lock, without reading the
build stage: so a configuration change is published and shifted like any release.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from msgspec.structs import replace

from app.deploy.exceptions import (
    BadInputError,
    DigestMismatchError,
    NotPromotedStageError,
)
from app.deploy.locked import before_changes
from app.deploy.planner import plan_promotion
from app.deploy.promotion import DIGEST, Chosen, choose_tag, promotion_tag
from app.deploy.retry import CALL_ERRORS
from app.deploy.schemas import Stage
from app.deploy.shell import shell_command
from app.deploy.source_registry import DEFAULT_WAIT, PresencePolicy

if TYPE_CHECKING:
    from pathlib import Path

    from app.deploy.manifest import ImageTargets
    from app.deploy.parameter import TagParameter
    from app.deploy.plan import ReleasePlan
    from app.deploy.release import Releaser
    from app.deploy.result import ReleaseResult
    from app.deploy.schemas import StageSource
    from app.deploy.signals import Interrupts
    from app.deploy.source import SourceStage
    from app.deploy.workers import Progress

OpenSource = Callable[["StageSource"], "SourceStage"]
"""Assumes the build stage's reader role (``SourceStage.assume``); injected by tests."""


class Promoter:
    """Promotes images of a promoted stage's manifest from its build stage."""

    def __init__(
        self,
        releaser: Releaser,
        *,
        open_source: OpenSource,
        presence: PresencePolicy,
        progress: Progress,
    ) -> None:
        self.releaser = releaser
        self._open_source = open_source
        self._presence = presence
        self._progress = progress

    def _stage(self, image_name: str, origin: str) -> tuple[ImageTargets, StageSource]:
        """Step 1: the promoted image and the build stage it comes from."""
        manifest = self.releaser.manifest
        if not isinstance(manifest.stage, Stage):
            raise NotPromotedStageError(
                f"stack {manifest.stack}'s deploy manifest is schema {manifest.schema_version}: "
                "it is a build stage, which releases what it builds (release --tag); only a "
                "promoted stage (schema 3, or 4 with stage: container-delivery:promoteFrom) "
                "promotes"
            )
        source = manifest.stage.source
        if source.stack == manifest.stack:
            raise NotPromotedStageError(
                f"stack {manifest.stack} promotes from itself (stage.from.stack); set "
                "container-delivery:promoteFrom to the stack that builds the image and run "
                "pulumi up; nothing was changed"
            )
        if origin != source.stack:
            raise NotPromotedStageError(
                f"stack {manifest.stack} promotes from {source.stack}, not from {origin}; "
                f"run with --from {source.stack}"
            )
        region = self.releaser.clients.ssm.meta.region_name
        if region != source.region:
            raise BadInputError(
                f"this run is in {region}, but {source.stack} is in {source.region}; promotion "
                f"works within one Region: run with AWS_REGION={source.region}; nothing was "
                "changed"
            )
        return manifest.image(image_name), source

    def _choose(
        self,
        image_name: str,
        image: ImageTargets,
        origin: SourceStage,
        tag: str | None,
        digest: str | None,
        *,
        wait: bool,
    ) -> tuple[ImageTargets, Chosen]:
        """Steps 3 to 5: the build stage's image entry, the tag, its digest and the checks
        on both; changes nothing."""
        source = origin.source
        built = origin.image(image_name, image)
        history, failed = origin.records(built)
        chosen_tag, current = choose_tag(
            source.stack, image_name, built.placeholder_tag, history, failed, tag
        )
        resolved = origin.registry.digest_of(built, chosen_tag)
        self._progress(image_name, f"{source.stack} released {chosen_tag}: {resolved}")
        if digest is not None and digest != resolved:
            raise DigestMismatchError(
                f"the digest behind tag {chosen_tag} in {source.stack}'s repository is "
                f"{resolved}, not --digest {digest}; nothing was changed"
            )
        notes: list[str] = []
        if current:
            mismatches = origin.live_mismatches(built, chosen_tag, resolved)
            if mismatches:
                raise DigestMismatchError(
                    f"the digest behind the tag differs from what {source.stack} released: "
                    f"tag {chosen_tag} is {resolved}, but "
                    + "; ".join(mismatches)
                    + f". Release {chosen_tag} in {source.stack} again, then promote; "
                    "nothing was changed"
                )
        else:
            notes.append(
                f"{chosen_tag} is in {source.stack}'s history, not what it runs now: its "
                "live targets were not compared"
            )
        if wait:
            origin.registry.wait_present(built, resolved, self._presence)
        elif not origin.registry.present(built, resolved):
            notes.append(
                f"{resolved} is not yet readable where this stage pulls it; promote waits up "
                f"to {self._presence.timeout:.0f}s (--replication-wait)"
            )
        return built, Chosen(
            source=source,
            tag=chosen_tag,
            digest=resolved,
            promotion_tag=promotion_tag(self.releaser.manifest.stack, chosen_tag),
            current=current,
            notes=tuple(notes),
        )

    def _prepare(
        self, image_name: str, origin: str, tag: str | None, digest: str | None, *, wait: bool
    ) -> tuple[ImageTargets, SourceStage, ImageTargets, Chosen]:
        """This stage's image, the build stage, its image entry, and what to promote."""
        image, source = self._stage(image_name, origin)
        try:
            stage = self._open_source(source)
            built, chosen = self._choose(image_name, image, stage, tag, digest, wait=wait)
        except CALL_ERRORS as exc:
            raise before_changes(image_name, "promote", exc) from exc
        return image, stage, built, chosen

    def plan(
        self,
        image_name: str,
        origin: str,
        *,
        tag: str | None,
        digest: str | None,
        imagedefinitions: Path | None,
    ) -> ReleasePlan:
        """What ``promote`` would do now (``--dry-run``): no lock, no wait, no write."""
        image, stage, built, chosen = self._prepare(image_name, origin, tag, digest, wait=False)
        releaser = self.releaser
        state = releaser.snapshot(
            "promote",
            image_name,
            image,
            chosen.tag,
            releaser.parts.registry(),
            tag_checked=True,
            digest=releaser.parts.digest_parameter(image),
        )
        try:
            tagged = self._tagged(stage, built, chosen)
        except CALL_ERRORS as exc:
            raise before_changes(image_name, "promote --dry-run", exc) from exc
        return plan_promotion(
            image_name, image, chosen, state, tagged=tagged, imagedefinitions=imagedefinitions
        )

    def promote(
        self,
        image_name: str,
        origin: str,
        *,
        tag: str | None,
        digest: str | None,
        imagedefinitions: Path | None,
    ) -> ReleaseResult:
        """Promote ``tag`` (default: the build stage's recorded one); see the module docstring."""
        image, stage, built, chosen = self._prepare(image_name, origin, tag, digest, wait=True)
        releaser, parts = self.releaser, self.releaser.parts
        registry = parts.registry()
        checks = [lambda: registry.check_targets(image_name, image)]
        with releaser.locks.held(image_name, image, "promote", checks) as warnings:
            parameter, digests = parts.parameter(image), parts.digest_parameter(image)
            try:
                state = parts.reader(image, registry).read(
                    image_name, image, chosen.tag, parameter, tag_checked=True, digest=digests
                )
                tagged = self._tagged(stage, built, chosen)
            except CALL_ERRORS as exc:
                raise before_changes(image_name, "promote", exc) from exc
            plan = plan_promotion(
                image_name, image, chosen, state, tagged=tagged, imagedefinitions=imagedefinitions
            )
            result = releaser.apply(
                plan, image, state, parameter, digest=digests, source=stage.registry
            )
        return replace(result, warnings=warnings)

    def release_recorded(
        self, image_name: str, *, imagedefinitions: Path | None
    ) -> ReleaseResult | None:
        """Release the recorded tag and digest again, read under the lock (``--recorded``).

        None while the digest parameter holds the placeholder: nothing promoted yet. The
        digest is checked where this stage pulls it (``DescribeImages`` with the build
        stage's ``registryId``, this stage's own credentials), not through the reader role.
        """
        image, source = self._stage(image_name, self._source_of())
        releaser, parts = self.releaser, self.releaser.parts
        registry = parts.registry()
        checks = [lambda: registry.check_targets(image_name, image)]
        with releaser.locks.held(image_name, image, "release", checks) as warnings:
            parameter, digests = parts.parameter(image), parts.digest_parameter(image)
            try:
                chosen, held = self._recorded(source, parameter, digests)
                if chosen is None:
                    self._progress(
                        image_name,
                        f"{digests.name} holds {held!r}: nothing promoted yet, nothing to release",
                    )
                    return None
                self._require_pullable(image_name, image, source, chosen.digest)
                state = parts.reader(image, registry).read(
                    image_name, image, chosen.tag, parameter, tag_checked=True, digest=digests
                )
            except CALL_ERRORS as exc:
                raise before_changes(image_name, "release", exc) from exc
            self._progress(image_name, f"releasing the recorded {chosen.tag} ({chosen.digest})")
            plan = plan_promotion(
                image_name, image, chosen, state, tagged=True, imagedefinitions=imagedefinitions
            )
            result = releaser.apply(plan, image, state, parameter, digest=digests)
        return replace(result, warnings=warnings)

    def plan_recorded(
        self, image_name: str, *, imagedefinitions: Path | None
    ) -> ReleasePlan | None:
        """What ``release --recorded`` would do now (``--dry-run``); None before a promotion."""
        image, source = self._stage(image_name, self._source_of())
        releaser, parts = self.releaser, self.releaser.parts
        digests = parts.digest_parameter(image)
        try:
            chosen, _ = self._recorded(source, parts.parameter(image), digests)
        except CALL_ERRORS as exc:
            raise before_changes(image_name, "release --dry-run", exc) from exc
        if chosen is None:
            return None
        state = releaser.snapshot(
            "release", image_name, image, chosen.tag, parts.registry(), tag_checked=True,
            digest=digests,
        )  # fmt: skip
        return plan_promotion(
            image_name, image, chosen, state, tagged=True, imagedefinitions=imagedefinitions
        )

    def _recorded(
        self, source: StageSource, parameter: TagParameter, digests: TagParameter
    ) -> tuple[Chosen | None, str]:
        """The recorded tag and digest as what ``--recorded`` releases, and the digest
        parameter's value; None while that holds no digest (nothing promoted yet)."""
        (tag, _), (digest, _) = parameter.read(), digests.read()
        if not DIGEST.fullmatch(digest):
            return None, digest
        stage = self.releaser.manifest.stack
        return Chosen(source, tag, digest, promotion_tag(stage, tag), True), digest

    def _source_of(self) -> str:
        stage = self.releaser.manifest.stage
        return stage.source.stack if isinstance(stage, Stage) else ""

    def _require_pullable(
        self, image_name: str, image: ImageTargets, source: StageSource, digest: str
    ) -> None:
        ecr = self.releaser.clients.ecr
        try:
            self.releaser.parts.retry.call(
                lambda: ecr.describe_images(
                    registryId=source.account,
                    repositoryName=image.repository_name,
                    imageIds=[{"imageDigest": digest}],
                )
            )
        except (ecr.exceptions.ImageNotFoundException, ecr.exceptions.RepositoryNotFoundException):
            command = shell_command(
                "python", "-m", "app.deploy", "promote", "--image", image_name,
                "--from", source.stack,
            )  # fmt: skip
            raise BadInputError(
                f"the recorded digest {digest} is not in {image.repository_url} (deleted, or "
                "expired before a promotion tag kept it); nothing was changed. Promote a tag "
                f"{source.stack} released that is still there: {command}"
            ) from None

    @staticmethod
    def _tagged(stage: SourceStage, built: ImageTargets, chosen: Chosen) -> bool:
        """Whether the promotion tag is already on the digest; another digest is refused."""
        found = stage.registry.tagged(built, chosen.promotion_tag)
        if found is not None and found != chosen.digest:
            raise DigestMismatchError(
                f"tag {chosen.promotion_tag} in {built.repository_url} names {found}, not "
                f"{chosen.digest}: {chosen.tag} was promoted here as another image before. "
                "Find out which image this stage ran under that tag (its history, `status`); "
                "to promote anew, remove the old tag first with "
                + shell_command(
                    "aws", "ecr", "batch-delete-image", "--registry-id", stage.source.account,
                    "--repository-name", built.repository_name,
                    "--image-ids", f"imageTag={chosen.promotion_tag}",
                )
                + "; nothing was changed"
            )  # fmt: skip
        return found is not None


def validate_arguments(
    source: str, digest: str | None, replication_wait: float, max_seconds: float
) -> None:
    """``promote``'s own arguments, checked before any AWS call (bad input: exit 2)."""
    from app.deploy.promotion import digest_problem

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", source):
        raise BadInputError(f"--from {source!r} is not a stack name (letters, digits, _.-)")
    problem = digest_problem(digest) if digest is not None else None
    if problem:
        raise BadInputError(f"--digest {digest!r} {problem}")
    if not 0 <= replication_wait <= max_seconds:
        raise BadInputError(f"--replication-wait must be 0 to {max_seconds:.0f} seconds")


def promoter(
    releaser: Releaser,
    *,
    env: Mapping[str, str],
    interrupts: Interrupts,
    progress: Progress,
    replication_wait: float = DEFAULT_WAIT,
) -> Promoter:
    """A ``Promoter`` whose build stage is read with the reader role, assumed on demand."""
    from app.deploy.source import SourceStage

    def open_source(source: StageSource) -> SourceStage:
        return SourceStage.assume(
            source,
            releaser.clients.session(),
            stage=releaser.manifest.stack,
            env=env,
            retry=releaser.parts.retry,
            progress=progress,
            interrupts=interrupts,
        )

    return Promoter(
        releaser,
        open_source=open_source,
        presence=PresencePolicy(timeout=replication_wait),
        progress=progress,
    )
