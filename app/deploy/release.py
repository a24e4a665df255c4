"""Release an image tag to every target of the manifest: lock, plan, apply, or restore.

The order of ``Releaser.release`` is the contract in docs/app-release.md:

1. the manifest is already read and validated (``app.deploy.manifest``);
2. the image's release lock is taken (``app.deploy.lock``) while, side by side, ECR
   confirms the manifest's repository URL, that every function given by ARN is in
   this account and region, and that the tag exists (``app.deploy.registry``);
3. the previous tag and every function's image and ``RevisionId`` are read, in schema
   2 also each alias once no deployment moves it (``app.deploy.state``);
4. the planner turns that into a ``ReleasePlan`` (``app.deploy.planner``);
5. the applier runs it step by step, journalling each (``app.deploy.applier``): the tag
   parameter, every function's code (guarded, waited for, verified), in schema 2 a
   version and a CodeDeploy deployment per function, then ``imagedefinitions.json``;
6. on any failure or signal from the first write on, the restorer walks the journal
   backwards (``app.deploy.restorer``);
7. the lock is released and a ``ReleaseResult`` returned for the summary.

``plan_release`` and ``plan_rollback`` stop after step 4 without the lock (``--dry-run``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal

from msgspec.structs import replace

from app.deploy.exceptions import AwsAccessError, DeployError, NotPromotedStageError
from app.deploy.functions import FunctionState, WaitPolicy
from app.deploy.journal import Journal
from app.deploy.lock import LockOwner, LockPolicy
from app.deploy.locked import ImageLocks, before_changes, result_of
from app.deploy.parts import Parts
from app.deploy.planner import choose_previous, plan_release
from app.deploy.result import ReleaseResult, TargetResult, build_result, result_summary
from app.deploy.retry import CALL_ERRORS, RetryPolicy, access_problem, describe_error, error_code
from app.deploy.signals import Interrupts
from app.deploy.tags import validate_tag
from app.deploy.traffic import ALL_AT_ONCE
from app.deploy.workers import Progress, no_progress

if TYPE_CHECKING:
    from pathlib import Path

    from app.deploy.clients import AwsClients
    from app.deploy.deployments import DeploymentWaitPolicy
    from app.deploy.manifest import DeployManifest, ImageTargets
    from app.deploy.parameter import TagParameter
    from app.deploy.plan import ReleasePlan
    from app.deploy.recheck import ManifestRecheck
    from app.deploy.registry import Registry
    from app.deploy.source_registry import SourceRegistry
    from app.deploy.state import ReleaseState

Command = Literal["release", "rollback"]


class Releaser:
    """Releases, rolls back, plans and checks image tags for the images of one manifest.

    The one object the command line drives, a little over the project's ~300-line guide
    for a class: one short method per command and per phase (check, lock, plan, apply),
    each handing the work to the planner, applier and restorer modules.
    """

    def __init__(
        self,
        clients: AwsClients,
        manifest: DeployManifest,
        *,
        progress: Progress | None = None,
        retry: RetryPolicy | None = None,
        wait: WaitPolicy | None = None,
        max_concurrency: int = 16,
        lock: LockPolicy | None = None,
        owner: LockOwner | None = None,
        interrupts: Interrupts | None = None,
        deployment_wait: DeploymentWaitPolicy | None = None,
        recheck: ManifestRecheck | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.clients = clients
        self.manifest = manifest
        self._progress = progress or no_progress
        self._retry = retry or RetryPolicy()
        self._interrupts = interrupts or Interrupts()
        self.locks = ImageLocks(
            clients,
            table=manifest.lock_table_name,
            owner=owner or LockOwner.of_this_process(os.environ),
            policy=lock or LockPolicy(),
            retry=self._retry,
            progress=self._progress,
            interrupts=self._interrupts,
            recheck=recheck,
        )
        self.parts = Parts(
            clients,
            manifest,
            progress=self._progress,
            retry=self._retry,
            wait=wait or WaitPolicy(),
            deployment_wait=deployment_wait,
            interrupts=self._interrupts,
            max_concurrency=max_concurrency,
        )

    # -- queries ---------------------------------------------------------------------

    def exists(self, image_name: str, tag: str) -> bool:
        """True if ``tag`` is in the ECR repository of ``image_name``.

        The repository URL is checked too, so ``exists`` and ``release`` agree on
        what is trusted. Any error that leaves the question open is an
        ``AwsAccessError`` (exit 5), never False.
        """
        validate_tag(tag)
        image = self.built_image(image_name, "exists")
        from app.deploy.registry import Registry

        registry = Registry(self.clients.ecr, retry=self._retry, region=None)
        with ThreadPoolExecutor(max_workers=2) as pool:
            checked = pool.submit(registry.check, image_name, image)
            found = pool.submit(registry.tag_exists, image_name, image, tag)
        try:
            checked.result()
            return found.result()
        except DeployError:
            raise
        except Exception as exc:  # any question left unanswered is exit 5, never False
            raise AwsAccessError(
                f"could not ask ECR whether {image.image_uri(tag)} exists: "
                f"{access_problem(exc) or describe_error(exc)}"
            ) from exc

    def built_image(self, image_name: str, command: str) -> ImageTargets:
        """The manifest's entry for ``image_name``, refused in a promoted stage (schema 3).

        A promoted stage runs the build stage's digests and records no tag of its own
        making: ``promote`` is how anything reaches it.
        """
        image = self.manifest.image(image_name)
        if image.promoted:
            stage = self.manifest.stage
            source = getattr(getattr(stage, "source", None), "stack", "its build stage")
            raise NotPromotedStageError(
                f"{command} of {image_name}: stack {self.manifest.stack} is promoted from "
                f"{source} and builds nothing; promote a tag {source} released instead: "
                f"python -m app.deploy promote --image {image_name} --from {source} [--tag T]"
            )
        return image

    def previous_tag(self, image_name: str) -> str:
        """The tag ``rollback`` would release (``planner.choose_previous``)."""
        image = self.manifest.image(image_name)
        history, failed = self.parts.history_and_failures(image, migrate=False)
        return choose_previous(image_name, image, history, failed)

    # -- dry run ---------------------------------------------------------------------

    def plan_release(
        self, image_name: str, tag: str, *, imagedefinitions: Path | None
    ) -> ReleasePlan:
        """What ``release`` would do now, read without the lock; changes nothing."""
        validate_tag(tag)
        image = self.built_image(image_name, "release")
        return self._plan("release", image_name, image, tag, imagedefinitions)

    def plan_rollback(self, image_name: str, *, imagedefinitions: Path | None) -> ReleasePlan:
        """What ``rollback`` would do now: the tag it would choose, and the plan for it."""
        image = self.built_image(image_name, "rollback")
        try:
            history, failed = self.parts.history_and_failures(image, migrate=False)
        except CALL_ERRORS as exc:
            raise before_changes(image_name, "rollback --dry-run", exc) from exc
        tag = choose_previous(image_name, image, history, failed)
        validate_tag(tag, f"previous tag in {image.tag_parameter}")
        return self._plan("rollback", image_name, image, tag, imagedefinitions)

    def _plan(
        self,
        command: Command,
        image_name: str,
        image: ImageTargets,
        tag: str,
        imagedefinitions: Path | None,
    ) -> ReleasePlan:
        registry = self.parts.registry()
        read = self.snapshot(command, image_name, image, tag, registry, tag_checked=False)
        return plan_release(
            command,
            image_name,
            image,
            tag,
            read,
            deployment_config=ALL_AT_ONCE if command == "rollback" else None,
            imagedefinitions=imagedefinitions,
        )

    def snapshot(
        self,
        command: str,
        image_name: str,
        image: ImageTargets,
        tag: str,
        registry: Registry,
        *,
        tag_checked: bool,
        digest: TagParameter | None = None,
    ) -> ReleaseState:
        """What a release would read now, without the lock (``--dry-run``); a held lock,
        or a deployment still moving an alias, becomes a note."""
        reader = self.parts.reader(image, registry)
        self.locks.create_clients()
        with ThreadPoolExecutor(max_workers=3) as pool:
            checked = pool.submit(registry.check_targets, image_name, image)
            held = pool.submit(self.locks.holder, image)
            state = pool.submit(
                reader.read,
                image_name,
                image,
                tag,
                self.parts.parameter(image),
                tag_checked=tag_checked,
                settle=False,
                digest=digest,
            )
        verb = f"{command} --dry-run"
        result_of(image_name, verb, checked)
        read: ReleaseState = result_of(image_name, verb, state)
        holder = result_of(image_name, verb, held)
        if holder is not None:
            note = (
                f"release lock {image.lock_parameter_name} is held by {holder.describe()}; "
                f"a {command} now waits for it (--lock-wait) or exits 4"
            )
            read = replace(read, notes=(*read.notes, note))
        return read

    # -- release ---------------------------------------------------------------------

    def rollback(self, image_name: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release the previous good tag, with all the guarantees of ``release``.

        The history is read under the lock, so no other release can change it between
        choosing the tag and releasing it.
        """
        image = self.built_image(image_name, "rollback")
        registry = self.parts.registry()
        checks = [lambda: registry.check_targets(image_name, image)]
        with self.locks.held(image_name, image, "rollback", checks) as warnings:
            try:
                history, failed = self.parts.history_and_failures(image, migrate=True)
            except CALL_ERRORS as exc:
                raise before_changes(image_name, "rollback", exc) from exc
            tag = choose_previous(image_name, image, history, failed)
            validate_tag(tag, f"previous tag in {image.tag_parameter}")
            self._progress(image_name, f"rolling back to {tag}")
            result = self._release_locked(
                "rollback", image_name, image, tag, registry, imagedefinitions, tag_checked=False
            )
        return replace(result, warnings=warnings)

    def release(self, image_name: str, tag: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release ``tag`` of ``image_name`` to all its targets (see the module docstring)."""
        validate_tag(tag)
        image = self.built_image(image_name, "release")
        registry = self.parts.registry()
        checks = [
            lambda: registry.check_targets(image_name, image),
            lambda: registry.require_tag(image_name, image, tag),
        ]
        with self.locks.held(image_name, image, "release", checks) as warnings:
            result = self._release_locked(
                "release", image_name, image, tag, registry, imagedefinitions, tag_checked=True
            )
        return replace(result, warnings=warnings)

    def release_recorded(
        self, image_name: str, *, imagedefinitions: Path | None
    ) -> ReleaseResult | None:
        """Release the tag the image's parameter records, read under the lock.

        The infra deploy stage's release after ``pulumi up``: a tag read before the lock
        could be older than one an app release records meanwhile, and releasing it then
        would roll that release back. None when the parameter still holds the placeholder
        (no app release yet: nothing to release).
        """
        image = self.built_image(image_name, "release --recorded")
        registry = self.parts.registry()
        checks = [lambda: registry.check_targets(image_name, image)]
        with self.locks.held(image_name, image, "release", checks) as warnings:
            try:
                tag, _version = self.parts.parameter(image).read()
            except CALL_ERRORS as exc:
                raise before_changes(image_name, "release", exc) from exc
            if tag == image.placeholder_tag:
                self._progress(
                    image_name,
                    f"{image.tag_parameter} holds the placeholder {tag!r}: no release "
                    "recorded yet, nothing to release",
                )
                return None
            validate_tag(tag, f"recorded tag in {image.tag_parameter}")
            self._progress(image_name, f"releasing the recorded tag {tag}")
            try:
                registry.require_tag(image_name, image, tag)
            except CALL_ERRORS as exc:
                raise before_changes(image_name, "release", exc) from exc
            result = self._release_locked(
                "release", image_name, image, tag, registry, imagedefinitions, tag_checked=True
            )
        return replace(result, warnings=warnings)

    def recorded_tag(self, image_name: str) -> str | None:
        """The tag the image's parameter records now (no lock: ``--dry-run``); None while
        it holds the placeholder."""
        image = self.manifest.image(image_name)
        try:
            tag, _version = self.parts.parameter(image).read()
        except CALL_ERRORS as exc:
            raise before_changes(image_name, "release --dry-run", exc) from exc
        return None if tag == image.placeholder_tag else tag

    def locked(self, image_name: str, command: str) -> AbstractContextManager[list[str]]:
        """The image's release lock, held for the duration (``hold``); rechecked before the
        held command starts (``app.deploy.recheck``), so starting over is safe."""
        return self.locks.held(image_name, self.manifest.image(image_name), command, [])

    def _release_locked(
        self,
        command: Command,
        image_name: str,
        image: ImageTargets,
        tag: str,
        registry: Registry,
        imagedefinitions: Path | None,
        *,
        tag_checked: bool,
    ) -> ReleaseResult:
        """Read, plan and apply under the lock; restore from the journal on failure."""
        parameter = self.parts.parameter(image)
        try:
            state = self.parts.reader(image, registry).read(
                image_name, image, tag, parameter, tag_checked=tag_checked
            )
        except CALL_ERRORS as exc:
            raise before_changes(image_name, command, exc) from exc
        self._interrupts.check()
        plan = plan_release(
            command,
            image_name,
            image,
            tag,
            state,
            deployment_config=ALL_AT_ONCE if command == "rollback" else None,
            imagedefinitions=imagedefinitions,
        )
        return self.apply(plan, image, state, parameter)

    def apply(
        self,
        plan: ReleasePlan,
        image: ImageTargets,
        state: ReleaseState,
        parameter: TagParameter,
        *,
        digest: TagParameter | None = None,
        source: SourceRegistry | None = None,
    ) -> ReleaseResult:
        """Apply ``plan`` (under the lock), journalled; restore from the journal on failure.

        A promotion passes its ``digest`` parameter and the build stage's ``source``
        registry (the promotion tag's step and its restore).
        """
        if not (plan.put or plan.put_digest or plan.tag_source or plan.updates):
            self._progress(plan.image, f"{plan.tag} is already released; nothing to change")
        journal = Journal(plan.tag)
        tools = self.parts.tools(self.parts.functions(), parameter, digest, source)
        try:
            definitions = self.parts.applier(tools).apply(plan, image, state, journal)
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - any failure is undone
            self.parts.restorer(tools).restore(plan.image, journal, exc)
        return build_result(plan, image, state, journal, definitions)


__all__ = [
    "FunctionState",
    "Progress",
    "ReleaseResult",
    "Releaser",
    "TargetResult",
    "WaitPolicy",
    "error_code",
    "result_summary",
]
