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
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from msgspec.structs import replace

from app.deploy.exceptions import AwsAccessError, DeployError, ReleaseFailedError
from app.deploy.functions import FunctionState, WaitPolicy
from app.deploy.journal import Journal
from app.deploy.lock import LockHolder, LockOwner, LockPolicy, ReleaseLock, read_lock
from app.deploy.parts import Parts
from app.deploy.planner import choose_previous, plan_release
from app.deploy.registry import Registry
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
    from app.deploy.plan import ReleasePlan

Command = Literal["release", "rollback"]


class Releaser:
    """Releases, rolls back, plans and checks image tags for the images of one manifest."""

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
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.clients = clients
        self.manifest = manifest
        self._progress = progress or no_progress
        self._retry = retry or RetryPolicy()
        self._lock_policy = lock or LockPolicy()
        self._owner = owner or LockOwner.of_this_process(os.environ)
        self._interrupts = interrupts or Interrupts()
        self._parts = Parts(
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
        image = self.manifest.image(image_name)
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

    def previous_tag(self, image_name: str) -> str:
        """The tag ``rollback`` would release (``planner.choose_previous``)."""
        image = self.manifest.image(image_name)
        history, failed = self._parts.history_and_failures(image, migrate=False)
        return choose_previous(image_name, image, history, failed)

    # -- dry run ---------------------------------------------------------------------

    def plan_release(
        self, image_name: str, tag: str, *, imagedefinitions: Path | None
    ) -> ReleasePlan:
        """What ``release`` would do now, read without the lock; changes nothing."""
        validate_tag(tag)
        image = self.manifest.image(image_name)
        return self._plan("release", image_name, image, tag, imagedefinitions)

    def plan_rollback(self, image_name: str, *, imagedefinitions: Path | None) -> ReleasePlan:
        """What ``rollback`` would do now: the tag it would choose, and the plan for it."""
        image = self.manifest.image(image_name)
        try:
            history, failed = self._parts.history_and_failures(image, migrate=False)
        except CALL_ERRORS as exc:
            raise self._before_changes(image_name, "rollback --dry-run", exc) from exc
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
        registry = self._parts.registry()
        reader = self._parts.reader(image, registry)
        ssm = self.clients.ssm
        with ThreadPoolExecutor(max_workers=3) as pool:
            checked = pool.submit(registry.check_targets, image_name, image)
            held = pool.submit(
                read_lock, ssm, image.lock_parameter_name, self._retry, self._lock_policy.ttl
            )
            state = pool.submit(
                reader.read,
                image_name,
                image,
                tag,
                self._parts.parameter(image),
                tag_checked=False,
                settle=False,
            )
        verb = f"{command} --dry-run"
        self._result(image_name, verb, checked)
        read = self._result(image_name, verb, state)
        holder = self._result(image_name, verb, held)
        if holder is not None:
            note = (
                f"release lock {image.lock_parameter_name} is held by {holder.describe()}; "
                "a release now waits for it (--lock-wait) or exits 4"
            )
            read = replace(read, notes=(*read.notes, note))
        return plan_release(
            command,
            image_name,
            image,
            tag,
            read,
            deployment_config=ALL_AT_ONCE if command == "rollback" else None,
            imagedefinitions=imagedefinitions,
        )

    # -- release ---------------------------------------------------------------------

    def rollback(self, image_name: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release the previous good tag, with all the guarantees of ``release``.

        The history is read under the lock, so no other release can change it between
        choosing the tag and releasing it.
        """
        image = self.manifest.image(image_name)
        registry = self._parts.registry()
        checks = [lambda: registry.check_targets(image_name, image)]
        with self._locked(image_name, image, "rollback", checks) as warnings:
            try:
                history, failed = self._parts.history_and_failures(image, migrate=True)
            except CALL_ERRORS as exc:
                raise self._before_changes(image_name, "rollback", exc) from exc
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
        image = self.manifest.image(image_name)
        registry = self._parts.registry()
        checks = [
            lambda: registry.check_targets(image_name, image),
            lambda: registry.require_tag(image_name, image, tag),
        ]
        with self._locked(image_name, image, "release", checks) as warnings:
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
        image = self.manifest.image(image_name)
        registry = self._parts.registry()
        checks = [lambda: registry.check_targets(image_name, image)]
        with self._locked(image_name, image, "release", checks) as warnings:
            try:
                tag, _version = self._parts.parameter(image).read()
            except CALL_ERRORS as exc:
                raise self._before_changes(image_name, "release", exc) from exc
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
                raise self._before_changes(image_name, "release", exc) from exc
            result = self._release_locked(
                "release", image_name, image, tag, registry, imagedefinitions, tag_checked=True
            )
        return replace(result, warnings=warnings)

    def recorded_tag(self, image_name: str) -> str | None:
        """The tag the image's parameter records now (no lock: ``--dry-run``); None while
        it holds the placeholder."""
        image = self.manifest.image(image_name)
        tag, _version = self._parts.parameter(image).read()
        return None if tag == image.placeholder_tag else tag

    def locked(self, image_name: str, command: str) -> AbstractContextManager[list[str]]:
        """The image's release lock, held for the duration (``hold``)."""
        return self._locked(image_name, self.manifest.image(image_name), command, [])

    @contextmanager
    def _locked(
        self,
        image_name: str,
        image: ImageTargets,
        command: str,
        checks: Sequence[Callable[[], None]],
    ) -> Iterator[list[str]]:
        """Hold the image's release lock; ``checks`` (reads of ECR) run beside the first try.

        Their failures (bad input, exit 2) come before the lock's; a lock taken for a
        release that then cannot go ahead is released again. Yields a list that holds,
        on exit, a warning if the lock could not be released.
        """
        now = datetime.now(UTC)
        holder = LockHolder(
            owner=self._owner,
            command=command,
            image=image_name,
            started_at=now,
            expires_at=now + timedelta(seconds=self._lock_policy.ttl),
        )
        lock = ReleaseLock(
            self.clients.ssm,
            image.lock_parameter_name,
            holder=holder,
            policy=self._lock_policy,
            retry=self._retry,
            progress=self._progress,
            interrupts=self._interrupts,
        )
        _ = self.clients.ecr
        warnings: list[str] = []
        # From the first write on, a signal must not cut a step short (app.deploy.signals).
        self._interrupts.defer()
        try:
            with ThreadPoolExecutor(max_workers=len(checks) + 1) as pool:
                attempt = pool.submit(lock.try_acquire)
                futures = [pool.submit(check) for check in checks]
            for future in futures:
                self._result(image_name, command, future)
            self._result(image_name, command, attempt)
            if not lock.held:
                lock.acquire()
            self._progress(lock.name, "lock taken")
            self._interrupts.check()
            yield warnings
        finally:
            warning = lock.release()
            if warning:
                self._progress(lock.name, f"WARNING: {warning}")
                warnings.append(warning)

    def _result(self, image_name: str, command: str, future: Future[Any]) -> Any:
        try:
            return future.result()
        except CALL_ERRORS as exc:
            raise self._before_changes(image_name, command, exc) from exc

    def _before_changes(self, image_name: str, command: str, exc: BaseException) -> DeployError:
        problem = access_problem(exc)
        if problem is not None:
            return AwsAccessError(
                f"{command} of {image_name} could not ask AWS: {problem}; nothing was changed"
            )
        return ReleaseFailedError(
            f"{command} of {image_name} failed before changing anything: {describe_error(exc)}",
            restored=[],
        )

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
        parameter = self._parts.parameter(image)
        try:
            state = self._parts.reader(image, registry).read(
                image_name, image, tag, parameter, tag_checked=tag_checked
            )
        except CALL_ERRORS as exc:
            raise self._before_changes(image_name, command, exc) from exc
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
        if plan.put is None and not plan.updates:
            self._progress(image_name, f"{tag} is already released; nothing to change")
        journal = Journal(tag)
        functions = self._parts.functions()
        try:
            definitions = self._parts.applier(functions, parameter).apply(
                plan, image, state, journal
            )
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - any failure is undone
            self._parts.restorer(functions, parameter).restore(image_name, journal, exc)
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
