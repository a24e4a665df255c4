"""Release an image tag to every target of the manifest, verify it, and undo it on failure.

The order of ``Releaser.release`` is the contract in docs/app-release.md:

1. the manifest is already read and validated (``app.deploy.manifest``);
2. the image's release lock is taken (``app.deploy.lock``) while, side by side, ECR
   confirms the manifest's repository URL and that the tag exists;
3. the previous tag and every function's image and ``RevisionId`` are read;
4. the tag parameter is written;
5. every Lambda target is updated concurrently, each guarded by its ``RevisionId``,
6. and waited for and verified to report the new image;
7. ``imagedefinitions.json`` is written for the image's ECS targets;
8. the lock is released and a ``ReleaseResult`` returned for the summary.

With a schema-2 manifest (``ImageTargets.uses_aliases``), step 3 first waits for any
deployment still moving an alias (a killed pipeline's) and reads each alias and the
version it serves; after step 6 each function whose alias does not serve what
``$LATEST`` now holds gets a published version (``tag=<tag>``) and one CodeDeploy
deployment, all started together, watched with progress and verified by version
number (``app.deploy.traffic``).

From step 4 on, any failure (or SIGINT/SIGTERM, see ``app.deploy.signals``) restores
every touched function, records the tag's versions as failed (``app.deploy.records``)
and puts the parameter back. Deployments still running are stopped with rollback, and
an alias a finished deployment moved is deployed back, all at once.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from botocore.exceptions import ClientError

from app.deploy.exceptions import (
    AwsAccessError,
    DeployError,
    ImageTagNotFoundError,
    InterruptedBySignalError,
    InvalidTargetError,
    NoPreviousTagError,
    ReleaseFailedError,
    RestoreFailedError,
    RevisionConflictError,
    TargetUpdateError,
    UntrustedRegistryError,
)
from app.deploy.lock import LockHolder, LockOwner, LockPolicy, ReleaseLock
from app.deploy.records import FailureRecords, Version
from app.deploy.retry import RetryPolicy, access_problem, describe_error, error_code
from app.deploy.shell import shell_command
from app.deploy.signals import Interrupts
from app.deploy.tags import validate_tag
from app.deploy.traffic import (
    ALL_AT_ONCE,
    AliasState,
    Deployments,
    DeploymentWaitPolicy,
    Outcome,
    config_differences,
    read_alias,
    version_description,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda.type_defs import GetFunctionResponseTypeDef

    from app.deploy.clients import AwsClients
    from app.deploy.manifest import DeployManifest, ImageTargets, LambdaTarget

Progress = Callable[[str, str], None]
"""Called as ``progress(target, message)`` from worker threads; must be thread-safe."""


def _no_progress(target: str, message: str) -> None:
    pass


@dataclass(frozen=True)
class WaitPolicy:
    """How to poll ``LastUpdateStatus`` after ``UpdateFunctionCode``.

    botocore's ``function_updated_v2`` waiter polls every 1 s (and its sibling
    waiters every 5 s); a small image update often settles sooner, so polling starts
    at ``first_delay`` and backs off by ``factor`` up to ``max_delay``. ``timeout``
    bounds the total time slept.
    """

    first_delay: float = 0.05
    factor: float = 2.0
    max_delay: float = 2.0
    timeout: float = 600.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class TargetResult:
    """What a release did to one target."""

    kind: Literal["lambda", "ecs"]
    name: str
    previous_image: str | None
    image: str
    action: Literal["updated", "shifted", "unchanged", "imagedefinitions"]
    # Schema 2: the alias's version before and after, and the deployment that moved it.
    alias: str | None = None
    previous_version: str | None = None
    version: str | None = None
    deployment: str | None = None


@dataclass(frozen=True)
class ReleaseResult:
    """The outcome of a successful (or no-op) release."""

    image: str
    tag: str
    previous_tag: str
    image_uri: str
    tag_parameter: str
    parameter_changed: bool
    targets: list[TargetResult]
    imagedefinitions: str | None
    warnings: list[str] = field(default_factory=list)

    @property
    def noop(self) -> bool:
        """True when the tag was already released and every function already ran it."""
        return not self.parameter_changed and all(
            t.action == "unchanged" for t in self.targets if t.kind == "lambda"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "noop": self.noop,
            "image": self.image,
            "tag": self.tag,
            "previousTag": self.previous_tag,
            "imageUri": self.image_uri,
            "tagParameter": self.tag_parameter,
            "parameterChanged": self.parameter_changed,
            "imagedefinitions": self.imagedefinitions,
            "targets": [
                {
                    "kind": t.kind,
                    "name": t.name,
                    "previousImage": t.previous_image,
                    "image": t.image,
                    "action": t.action,
                    **(
                        {
                            "alias": t.alias,
                            "previousVersion": t.previous_version,
                            "version": t.version,
                            "deployment": t.deployment,
                        }
                        if t.alias is not None
                        else {}
                    ),
                }
                for t in self.targets
            ],
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class FunctionState:
    """A function as read before the release: its image and its ``RevisionId``.

    ``config`` is ``$LATEST``'s whole configuration, which schema 2 compares with the
    version its alias serves.
    """

    image: str
    revision: str
    config: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AliasRead:
    """Schema 2: an alias as read before the release, and the configuration it serves."""

    alias: AliasState
    served: Mapping[str, Any]


@dataclass
class _Shift:
    """One deployment this release started (or may have: ``deployment_id`` None)."""

    target: LambdaTarget
    previous: str
    version: str
    description: str
    deployment_id: str | None = None
    outcome: Outcome | None = None


@dataclass
class _Journal:
    """Every change made so far, so a failure can undo exactly those.

    ``version_before`` is the tag parameter's version read before the put: the
    versions this release wrote are found later in the history as the ones after it
    holding the new tag, so no record depends on a response that may be lost.
    """

    tag: str
    tag_parameter: str
    previous_tag: str
    version_before: int
    parameter_touched: bool = False
    # name -> previous state; ``revisions`` holds the RevisionId this release last saw
    # after its own update, the guard of the restore.
    touched_functions: dict[str, FunctionState] = field(default_factory=dict)
    revisions: dict[str, str] = field(default_factory=dict)
    # Schema 2: each function's configuration after this release's update (publishing a
    # version must not make the restore take it for someone else's change), and the
    # deployments started.
    settled: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    shifts: dict[str, _Shift] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_shift(self, shift: _Shift) -> None:
        with self.lock:
            self.shifts[shift.target.name] = shift

    def touch_function(self, name: str, previous: FunctionState) -> None:
        with self.lock:
            self.touched_functions[name] = previous

    def untouch_function(self, name: str) -> None:
        with self.lock:
            self.touched_functions.pop(name, None)

    def saw_revision(self, name: str, revision: str) -> None:
        with self.lock:
            self.revisions[name] = revision


class Releaser:
    """Releases, rolls back and checks image tags for the images of one manifest."""

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
        self._progress = progress or _no_progress
        self._retry = retry or RetryPolicy()
        self._wait = wait or WaitPolicy()
        self._max_concurrency = max_concurrency
        self._lock_policy = lock or LockPolicy()
        self._owner = owner or LockOwner.of_this_process(os.environ)
        self._interrupts = interrupts or Interrupts()
        self._deployment_wait = deployment_wait or DeploymentWaitPolicy()

    def _deployments(self) -> Deployments:
        return Deployments(
            self.clients.codedeploy,
            self.clients.lambda_,
            retry=self._retry,
            wait=self._deployment_wait,
            progress=self._progress,
            max_concurrency=self._max_concurrency,
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
        _ = self.clients.ecr
        with ThreadPoolExecutor(max_workers=2) as pool:
            registry = pool.submit(self._check_registry, image_name, image)
            found = pool.submit(self._tag_in_ecr, image_name, image, tag)
        try:
            registry.result()
            return found.result()
        except DeployError:
            raise
        except Exception as exc:  # any question left unanswered is exit 5, never False
            raise AwsAccessError(
                f"could not ask ECR whether {image.image_uri(tag)} exists: "
                f"{access_problem(exc) or describe_error(exc)}"
            ) from exc

    def _tag_in_ecr(self, image_name: str, image: ImageTargets, tag: str) -> bool:
        ecr = self.clients.ecr
        try:
            self._retry.call(
                lambda: ecr.describe_images(
                    repositoryName=image.repository_name, imageIds=[{"imageTag": tag}]
                )
            )
        except ecr.exceptions.ImageNotFoundException:
            return False
        except ecr.exceptions.RepositoryNotFoundException as exc:
            raise self._missing_repository(image_name, image) from exc
        return True

    def _check_registry(self, image_name: str, image: ImageTargets) -> None:
        """The manifest's URL must be the repository's own URI in this account and region.

        ``DescribeRepositories`` without a registry id answers for the caller's own
        registry, in the client's region, so its ``repositoryUri`` is read from AWS,
        not taken from the manifest (issue: a manifest naming another registry).
        """
        ecr = self.clients.ecr
        try:
            response = self._retry.call(
                lambda: ecr.describe_repositories(repositoryNames=[image.repository_name])
            )
        except ecr.exceptions.RepositoryNotFoundException as exc:
            raise self._missing_repository(image_name, image) from exc
        (repository,) = response["repositories"]
        actual = repository["repositoryUri"]
        if actual != image.repository_url:
            raise UntrustedRegistryError(
                f"the deploy manifest gives image {image_name!r} the repository URL "
                f"{image.repository_url!r}, but ECR repository {image.repository_name} in this "
                f"account and region is {actual!r}; refusing to release from another registry. "
                "Publish the manifest again from the infra stack (pulumi up); nothing was changed"
            )

    def _missing_repository(self, image_name: str, image: ImageTargets) -> InvalidTargetError:
        return InvalidTargetError(
            f"ECR repository {image.repository_name} (image {image_name!r} in the manifest) "
            "does not exist; deploy the infra stack first"
        )

    def previous_tag(self, image_name: str) -> str:
        """The tag ``rollback`` would release: the latest recorded value unlike the current one.

        Versions of failed releases (the failed-release record, and the labels of
        earlier versions of this tool) are skipped. The placeholder tag is refused:
        rolling a live function back to the placeholder image would take it out of
        service.
        """
        image = self.manifest.image(image_name)
        history, failed = self._history_and_failures(image, migrate=False)
        return self._choose_previous(image_name, image, history, failed)

    def _history_and_failures(
        self, image: ImageTargets, *, migrate: bool
    ) -> tuple[list[Version], set[int]]:
        records = self._records(image)
        _ = self.clients.ssm
        with ThreadPoolExecutor(max_workers=2) as pool:
            history_future = pool.submit(records.history)
            recorded_future = pool.submit(records.read)
        history, recorded = history_future.result(), recorded_future.result()
        failed = records.failed(history, recorded)
        if migrate:
            # Under the lock: move labels of earlier tool versions into the record.
            records.migrate_labels(history, recorded)
        return history, failed

    def _choose_previous(
        self, image_name: str, image: ImageTargets, history: list[Version], failed: set[int]
    ) -> str:
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

    def _records(self, image: ImageTargets) -> FailureRecords:
        return FailureRecords(
            self.clients.ssm,
            tag_parameter=image.tag_parameter,
            record_parameter=image.failed_releases_parameter_name,
            retry=self._retry,
            missing_tag_parameter=lambda: self._missing_parameter(image),
            progress=self._progress,
        )

    # -- release ---------------------------------------------------------------------

    def rollback(self, image_name: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release ``previous_tag(image_name)``, with all the guarantees of ``release``.

        The history is read under the lock, so no other release can change it between
        choosing the tag and releasing it.
        """
        image = self.manifest.image(image_name)
        checks = [self._registry_check(image_name, image)]
        with self._locked(image_name, image, "rollback", checks) as warnings:
            try:
                history, failed = self._history_and_failures(image, migrate=True)
            except ClientError as exc:
                raise self._before_changes(image_name, "rollback", exc) from exc
            tag = self._choose_previous(image_name, image, history, failed)
            validate_tag(tag, f"previous tag in {image.tag_parameter}")
            self._progress(image_name, f"rolling back to {tag}")
            result = self._release_locked(
                image_name,
                image,
                tag,
                imagedefinitions=imagedefinitions,
                tag_checked=False,
                deployment_config=ALL_AT_ONCE,
                verb="rollback",
            )
        return replace(result, warnings=warnings)

    def release(self, image_name: str, tag: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release ``tag`` of ``image_name`` to all its targets (see the module docstring)."""
        validate_tag(tag)
        image = self.manifest.image(image_name)
        checks = [
            self._registry_check(image_name, image),
            lambda: self._require_tag(image_name, image, tag),
        ]
        with self._locked(image_name, image, "release", checks) as warnings:
            result = self._release_locked(
                image_name, image, tag, imagedefinitions=imagedefinitions, tag_checked=True
            )
        return replace(result, warnings=warnings)

    def _registry_check(self, image_name: str, image: ImageTargets) -> Callable[[], None]:
        return lambda: self._check_registry(image_name, image)

    def _require_tag(self, image_name: str, image: ImageTargets, tag: str) -> None:
        if not self._tag_in_ecr(image_name, image, tag):
            raise ImageTagNotFoundError(
                f"tag {tag} is not in ECR repository {image.repository_name}; push "
                f"{image.image_uri(tag)} first (nothing was changed)"
            )

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
        except ClientError as exc:
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
        image_name: str,
        image: ImageTargets,
        tag: str,
        *,
        imagedefinitions: Path | None,
        tag_checked: bool,
        deployment_config: str | None = None,
        verb: str = "release",
    ) -> ReleaseResult:
        """Steps 3 to 7 under the lock; ``deployment_config`` overrides the groups' (schema 2)."""
        uri = image.image_uri(tag)
        functions = list(image.function_names)
        aliases: dict[str, AliasRead] = {}
        try:
            with ThreadPoolExecutor(max_workers=1) as side:
                # Beside the reads of step 3: a killed pipeline's deployment goes on, so
                # the aliases are read once no deployment is moving them.
                traffic = (
                    side.submit(self._settled_aliases, image.lambda_targets)
                    if image.uses_aliases
                    else None
                )
                (previous_tag, version_before), previous = self._read_state(
                    image_name, image, tag, functions, tag_checked=tag_checked
                )
                aliases = traffic.result() if traffic else {}
        except ClientError as exc:
            raise self._before_changes(image_name, verb, exc) from exc
        self._interrupts.check()

        to_update = [name for name in functions if previous[name].image != uri]
        parameter_changed = previous_tag != tag
        if not parameter_changed and not to_update:
            self._progress(image_name, f"{tag} is already released; nothing to change")

        journal = _Journal(
            tag=tag,
            tag_parameter=image.tag_parameter,
            previous_tag=previous_tag,
            version_before=version_before,
        )
        try:
            if parameter_changed:
                self._put_parameter(image, tag, journal)
            self._interrupts.check()
            latest = self._update_functions(to_update, uri, previous, journal)
            if image.uses_aliases:
                self._interrupts.check()
                configs = {name: previous[name].config for name in functions} | latest
                self._shift(
                    image_name, image, tag, configs, aliases, journal, deployment_config, verb
                )
            # The last point at which a signal undoes the release: after it, every
            # target runs the new tag and only the local file remains.
            self._interrupts.check()
            definitions = self._write_imagedefinitions(image, uri, imagedefinitions)
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - any failure is undone
            self._restore(image_name, image, journal, exc)

        targets = [
            self._target_result(name, previous[name], uri, name in to_update, aliases, journal)
            for name in functions
        ] + [
            TargetResult(
                kind="ecs",
                name=f"{svc.cluster}/{svc.service}",
                previous_image=None,
                image=uri,
                action="imagedefinitions",
            )
            for svc in image.ecs_services
        ]
        return ReleaseResult(
            image=image_name,
            tag=tag,
            previous_tag=previous_tag,
            image_uri=uri,
            tag_parameter=image.tag_parameter,
            parameter_changed=parameter_changed,
            targets=targets,
            imagedefinitions=definitions,
        )

    @staticmethod
    def _target_result(
        name: str,
        previous: FunctionState,
        uri: str,
        updated: bool,
        aliases: Mapping[str, AliasRead],
        journal: _Journal,
    ) -> TargetResult:
        shift = journal.shifts.get(name)
        read = aliases.get(name)
        action: Literal["updated", "shifted", "unchanged"] = (
            "updated" if updated else "shifted" if shift else "unchanged"
        )
        return TargetResult(
            kind="lambda",
            name=name,
            previous_image=previous.image,
            image=uri,
            action=action,
            alias=read.alias.name if read else None,
            previous_version=read.alias.version if read else None,
            version=shift.version if shift else read.alias.version if read else None,
            deployment=shift.deployment_id if shift else None,
        )

    # -- steps -----------------------------------------------------------------------

    def _missing_parameter(self, image: ImageTargets) -> InvalidTargetError:
        return InvalidTargetError(
            f"tag parameter {image.tag_parameter} does not exist; the infra stack creates it "
            "(pulumi up) before the first release"
        )

    def _read_parameter(self, image: ImageTargets) -> tuple[str, int]:
        ssm = self.clients.ssm
        try:
            response = self._retry.call(lambda: ssm.get_parameter(Name=image.tag_parameter))
        except ssm.exceptions.ParameterNotFound as exc:
            raise self._missing_parameter(image) from exc
        return response["Parameter"]["Value"], int(response["Parameter"]["Version"])

    def _read_state(
        self,
        image_name: str,
        image: ImageTargets,
        tag: str,
        functions: Sequence[str],
        *,
        tag_checked: bool,
    ) -> tuple[tuple[str, int], dict[str, FunctionState]]:
        """Step 3, under the lock: the recorded tag and each function's image and revision.

        These are reads, so they run side by side (a release's time is mostly round
        trips); a rollback's tag is checked in ECR here too. All finish before
        anything changes, and errors are raised in step order: a missing tag first,
        then the parameter, then the functions.
        """
        # Created here, before the worker threads share them.
        _ = self.clients.ecr, self.clients.ssm
        if functions:
            _ = self.clients.lambda_
        workers = min(self._max_concurrency, len(functions) + 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = None if tag_checked else pool.submit(self._require_tag, image_name, image, tag)
            recorded = pool.submit(self._read_parameter, image)
            states = [pool.submit(self._read_function, name) for name in functions]
        if found is not None:
            found.result()
        return recorded.result(), {
            name: future.result() for name, future in zip(functions, states, strict=True)
        }

    def _read_function(self, name: str) -> FunctionState:
        lambda_ = self.clients.lambda_
        try:
            response = self._retry.call(lambda: lambda_.get_function(FunctionName=name))
        except lambda_.exceptions.ResourceNotFoundException as exc:
            raise InvalidTargetError(
                f"Lambda function {name}, named in the deploy manifest, does not exist"
            ) from exc
        config = response["Configuration"]
        if config.get("PackageType") != "Image":
            raise InvalidTargetError(
                f"Lambda function {name} is not a container-image function "
                f"(PackageType {config.get('PackageType')!r})"
            )
        return FunctionState(
            response["Code"].get("ImageUri", ""), self._revision(name, response), dict(config)
        )

    def _settled_aliases(self, targets: Sequence[LambdaTarget]) -> dict[str, AliasRead]:
        self._deployments().settle(targets, interrupts=self._interrupts)
        return self._read_aliases(targets)

    def _read_aliases(self, targets: Sequence[LambdaTarget]) -> dict[str, AliasRead]:
        """Each alias, and the configuration of the version it serves, side by side."""
        _ = self.clients.lambda_
        workers = max(1, min(self._max_concurrency, len(targets)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            reads = list(pool.map(self._read_alias, targets))
        return {target.name: read for target, read in zip(targets, reads, strict=True)}

    def _read_alias(self, target: LambdaTarget) -> AliasRead:
        lambda_ = self.clients.lambda_
        try:
            alias = read_alias(lambda_, target, self._retry)
        except lambda_.exceptions.ResourceNotFoundException as exc:
            raise InvalidTargetError(
                f"alias {target.alias} of Lambda function {target.name}, named in the deploy "
                "manifest, does not exist; the infra stack creates it (pulumi up)"
            ) from exc
        # Asked through the alias, not its version number: IAM then needs only the
        # function's and the alias's ARNs. The answer is the alias's (primary) version.
        served = self._retry.call(
            lambda: lambda_.get_function_configuration(
                FunctionName=target.name, Qualifier=target.alias
            )
        )
        if served.get("Version") != alias.version:
            raise DeployError(
                f"{target.describe()}: moved from version {alias.version} to "
                f"{served.get('Version')} while being read; is someone else deploying it?"
            )
        return AliasRead(alias, dict(served))

    @staticmethod
    def _revision(name: str, response: GetFunctionResponseTypeDef) -> str:
        revision = response["Configuration"].get("RevisionId")
        if not revision:
            # AWS always returns one; an endpoint that does not cannot guard an update.
            raise DeployError(
                f"Lambda function {name}: GetFunction returned no RevisionId, so an update "
                "could not be guarded against concurrent changes; refusing to go on "
                "(is AWS_ENDPOINT_URL a Lambda emulator without revision support?)"
            )
        return revision

    def _put_parameter(self, image: ImageTargets, tag: str, journal: _Journal) -> None:
        self._progress(image.tag_parameter, f"{journal.previous_tag} -> {tag}")
        journal.parameter_touched = True
        self._put_tag_value(image, tag)

    def _put_tag_value(self, image: ImageTargets, value: str) -> None:
        """``PutParameter`` with ``Overwrite``; migrates old failure labels if SSM refuses.

        SSM refuses a 101st version while the oldest carries a label
        (``ParameterMaxVersionLimitExceeded``). Labels of earlier versions of this tool
        are moved into the failed-release record and the write is tried once more.
        """
        ssm = self.clients.ssm

        def put() -> None:
            self._retry.call(
                lambda: ssm.put_parameter(
                    Name=image.tag_parameter, Value=value, Type="String", Overwrite=True
                )
            )

        try:
            put()
        except ssm.exceptions.ParameterMaxVersionLimitExceeded:
            records = self._records(image)
            history = records.history()
            if not records.migrate_labels(history, records.read()):
                labels = ", ".join(history[0].labels) or "?"
                raise DeployError(
                    f"SSM parameter {image.tag_parameter} holds 100 versions and its oldest, "
                    f"version {history[0].version}, carries labels this tool did not set "
                    f"({labels}); move them to a newer version: "
                    + shell_command(
                        "aws",
                        "ssm",
                        "unlabel-parameter-version",
                        "--name",
                        image.tag_parameter,
                        "--parameter-version",
                        str(history[0].version),
                        "--labels",
                        *history[0].labels,
                    )
                ) from None
            put()

    def _update_functions(
        self,
        names: Sequence[str],
        uri: str,
        previous: dict[str, FunctionState],
        journal: _Journal,
    ) -> dict[str, Mapping[str, Any]]:
        """Step 5 and 6; returns each updated function's configuration once settled."""
        settled: dict[str, Mapping[str, Any]] = {}

        def move(name: str, cancelled: threading.Event) -> None:
            if cancelled.is_set() or self._interrupts.requested:
                self._progress(name, "skipped: the release is stopping")
                return
            journal.touch_function(name, previous[name])
            try:
                config = self._move_function(
                    name,
                    uri,
                    previous[name].revision,
                    interruptible=True,
                    saw_revision=lambda revision: journal.saw_revision(name, revision),
                )
            except RevisionConflictError:
                # Lambda refused the update: the function was not changed by us.
                journal.untouch_function(name)
                raise
            with journal.lock:
                settled[name] = config
                journal.settled[name] = config

        failures = self._run_concurrently(names, move)
        if failures:
            raise TargetUpdateError(failures)
        return settled

    def _shift(
        self,
        image_name: str,
        image: ImageTargets,
        tag: str,
        configs: Mapping[str, Mapping[str, Any]],
        aliases: Mapping[str, AliasRead],
        journal: _Journal,
        deployment_config: str | None,
        verb: str,
    ) -> None:
        """Schema 2, after ``$LATEST`` holds the tag: publish, deploy, wait, verify.

        A function whose alias already serves what ``$LATEST`` holds (code and
        configuration) needs nothing; one whose published version is the one its alias
        serves needs no deployment. Each deployment is recorded in the journal before
        it is asked for, so a lost answer still gets it stopped on failure.
        """
        deployments = self._deployments()
        description = f"app.deploy {verb} of {image_name} {tag} ({uuid.uuid4().hex[:12]})"

        def publish_and_start(name: str, cancelled: threading.Event) -> None:
            if cancelled.is_set() or self._interrupts.requested:
                self._progress(name, "skipped: the release is stopping")
                return
            target = next(t for t in image.lambda_targets if t.name == name)
            read, latest = aliases[name], configs[name]
            changed = config_differences(latest, read.served)
            if not changed and not read.alias.split:
                self._progress(
                    name, f"{target.alias} already serves it (version {read.alias.version})"
                )
                return
            version = self._publish(name, latest, tag)
            if read.alias.serves_only(version):
                self._progress(name, f"{target.alias} already serves version {version}")
                return
            what = ", ".join(changed) or "traffic split"
            self._progress(
                name,
                f"published version {version} ({what} changed); deploying {target.alias} "
                f"{read.alias.version} -> {version} ({deployment_config or 'the group config'})",
            )
            shift = _Shift(target, read.alias.version, version, description)
            journal.add_shift(shift)
            shift.deployment_id = deployments.start(
                target,
                read.alias.version,
                version,
                description=description,
                config=deployment_config,
            )
            self._progress(name, f"deployment {shift.deployment_id} started")

        failures = self._run_concurrently([t.name for t in image.lambda_targets], publish_and_start)
        if failures:
            raise TargetUpdateError(failures)
        started = {
            s.deployment_id: (s.target, s.version)
            for s in journal.shifts.values()
            if s.deployment_id is not None
        }
        if not started:
            return
        outcomes = deployments.wait(started, interrupts=self._interrupts, stop_on_failure=True)
        for shift in journal.shifts.values():
            if shift.deployment_id in outcomes:
                shift.outcome = outcomes[shift.deployment_id]
        failed = [
            f"{s.target.describe()}: {s.outcome.describe()}"
            for s in journal.shifts.values()
            if s.outcome is not None and s.outcome.status != "Succeeded"
        ]
        if failed:
            raise TargetUpdateError(failed)

        def verify(name: str, cancelled: threading.Event) -> None:
            shift = journal.shifts[name]
            alias = read_alias(self.clients.lambda_, shift.target, self._retry)
            if not alias.serves_only(shift.version):
                raise DeployError(
                    f"{shift.target.describe()}: deployment {shift.deployment_id} succeeded "
                    f"but {alias.name} serves {alias.describe()}, expected version "
                    f"{shift.version}"
                )
            self._progress(name, f"verified: {alias.name} serves version {shift.version}")

        failures = self._run_concurrently(sorted(journal.shifts), verify)
        if failures:
            raise TargetUpdateError(failures)

    def _publish(self, name: str, latest: Mapping[str, Any], tag: str) -> str:
        """``PublishVersion`` of what this release read or wrote, and nothing else.

        ``CodeSha256`` and ``RevisionId`` make Lambda refuse if ``$LATEST`` changed since
        (PreconditionFailedException). When nothing changed since the last version,
        Lambda returns that version instead of a new one.
        """
        lambda_ = self.clients.lambda_
        try:
            response = self._retry.call(
                lambda: lambda_.publish_version(
                    FunctionName=name,
                    Description=version_description(tag),
                    CodeSha256=str(latest.get("CodeSha256", "")),
                    RevisionId=str(latest.get("RevisionId", "")),
                )
            )
        except lambda_.exceptions.PreconditionFailedException as exc:
            raise RevisionConflictError(
                f"Lambda function {name}: changed by someone else since revision "
                f"{latest.get('RevisionId')}; no version published"
            ) from exc
        except ClientError as exc:
            raise DeployError(
                f"Lambda function {name}: PublishVersion failed: {describe_error(exc)}"
            ) from exc
        if response.get("CodeSha256") != latest.get("CodeSha256"):
            raise DeployError(
                f"Lambda function {name}: PublishVersion returned version "
                f"{response.get('Version')} with code {response.get('CodeSha256')}, "
                f"expected {latest.get('CodeSha256')}"
            )
        return response["Version"]

    def _move_function(
        self,
        name: str,
        uri: str,
        revision: str,
        *,
        interruptible: bool,
        saw_revision: Callable[[str], None] | None = None,
    ) -> Mapping[str, Any]:
        """Update one function to ``uri`` if still at ``revision``, wait, and verify it.

        ``saw_revision`` is told each ``RevisionId`` the function reports after this
        update: the guard of a later restore.
        """
        lambda_ = self.clients.lambda_
        seen = saw_revision or (lambda revision: None)
        self._progress(name, f"updating to {uri}")
        try:
            updated = self._retry.call(
                lambda: lambda_.update_function_code(
                    FunctionName=name, ImageUri=uri, RevisionId=revision
                ),
                on_retry=lambda attempt, code: self._progress(
                    name, f"{code}, retrying (attempt {attempt + 1})"
                ),
            )
            if updated.get("RevisionId"):
                seen(updated["RevisionId"])
        except lambda_.exceptions.PreconditionFailedException as exc:
            # botocore may have retried a request that had landed (its response lost):
            # then the function already reports ``uri``. Anything else is someone
            # else's change, reported and left alone.
            current = self._get_function(name)
            if current["Code"].get("ImageUri") != uri:
                raise RevisionConflictError(
                    f"Lambda function {name}: changed by someone else since revision "
                    f"{revision} (now {current['Configuration'].get('RevisionId')}, image "
                    f"{current['Code'].get('ImageUri')}); not overwritten"
                ) from exc
            seen(self._revision(name, current))
        except ClientError as exc:
            raise DeployError(
                f"Lambda function {name}: UpdateFunctionCode failed: {describe_error(exc)}"
            ) from exc
        self._progress(name, "waiting for the update")
        response = self._settled(name, interruptible=interruptible)
        config = response["Configuration"]
        if config.get("LastUpdateStatus") == "Failed":
            raise DeployError(
                f"Lambda function {name}: update failed: "
                f"{config.get('LastUpdateStatusReasonCode', '')} "
                f"{config.get('LastUpdateStatusReason', '')}".rstrip()
            )
        seen(self._revision(name, response))
        reported = response["Code"].get("ImageUri")
        if reported != uri:
            raise DeployError(f"Lambda function {name}: reports image {reported}, expected {uri}")
        self._progress(name, "verified")
        return dict(config)

    def _get_function(self, name: str) -> GetFunctionResponseTypeDef:
        lambda_ = self.clients.lambda_
        try:
            return self._retry.call(lambda: lambda_.get_function(FunctionName=name))
        except ClientError as exc:
            raise DeployError(
                f"Lambda function {name}: GetFunction failed: {describe_error(exc)}"
            ) from exc

    def _settled(self, name: str, *, interruptible: bool) -> GetFunctionResponseTypeDef:
        """``GetFunction`` once ``LastUpdateStatus`` is no longer ``InProgress``.

        A release stops waiting when a signal arrives (``interruptible``); a restore
        never does, since it must know each function's state before putting it back.
        """
        delay, slept = self._wait.first_delay, 0.0
        while True:
            response = self._get_function(name)
            if response["Configuration"].get("LastUpdateStatus") != "InProgress":
                return response
            if interruptible:
                self._interrupts.check()
            if slept >= self._wait.timeout:
                raise DeployError(
                    f"Lambda function {name}: update still InProgress after "
                    f"{self._wait.timeout:.0f}s"
                )
            self._wait.sleep(delay)
            slept += delay
            delay = min(delay * self._wait.factor, self._wait.max_delay)

    def _write_imagedefinitions(
        self, image: ImageTargets, uri: str, path: Path | None
    ) -> str | None:
        """Write CodePipeline's ECS ``imagedefinitions.json`` (one entry per container)."""
        if not image.ecs_services or path is None:
            return None
        containers = sorted({svc.container for svc in image.ecs_services})
        document = [{"name": container, "imageUri": uri} for container in containers]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n")
        os.replace(tmp, path)
        for svc in image.ecs_services:
            self._progress(svc.describe(), f"{path} names {uri}")
        return str(path)

    def _run_concurrently(
        self, names: Sequence[str], work: Callable[[str, threading.Event], None]
    ) -> list[str]:
        """Run ``work(name, cancelled)`` for each name; return one message per failure.

        After the first failure ``cancelled`` is set, so targets not yet started are
        left alone; those in flight finish, so their state is known before restoring.
        """
        if not names:
            return []
        cancelled = threading.Event()
        failures: list[str] = []
        pool = ThreadPoolExecutor(max_workers=min(self._max_concurrency, len(names)))
        try:
            futures = {pool.submit(work, name, cancelled): name for name in names}
            for future in as_completed(futures):
                exc = future.exception()
                if exc is not None:
                    cancelled.set()
                    message = describe_error(exc)
                    failures.append(message)
                    self._progress(futures[future], f"FAILED: {message}")
        except BaseException:
            cancelled.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return failures

    # -- restore ---------------------------------------------------------------------

    def _restore(
        self, image_name: str, image: ImageTargets, journal: _Journal, cause: BaseException
    ) -> NoReturn:
        """Undo every change in ``journal``, then raise what the caller should see.

        Signals arriving now only set a flag (``Interrupts.defer``): nothing here checks
        it, so no signal can cut the restore short.
        """
        if isinstance(cause, InterruptedBySignalError) and not (
            journal.parameter_touched or journal.touched_functions or journal.shifts
        ):
            raise cause
        what = f"release of {image_name} {journal.tag} failed: " + (
            str(cause) if isinstance(cause, DeployError) else describe_error(cause)
        )
        self._progress(image_name, f"{what}; restoring")
        restored: list[str] = []
        attention: list[str] = []
        lock = threading.Lock()
        if journal.shifts:
            # Aliases first: invokers are served by them, $LATEST serves nobody.
            self._restore_aliases(image_name, journal, restored, attention)

        def restore_one(name: str, cancelled: threading.Event) -> None:
            previous = journal.touched_functions[name]
            try:
                note = self._restore_function(
                    name,
                    previous,
                    journal.revisions.get(name),
                    image.image_uri(journal.tag),
                    journal.settled.get(name),
                )
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
                detail = describe_error(exc)
                command = shell_command(
                    "aws",
                    "lambda",
                    "update-function-code",
                    "--function-name",
                    name,
                    "--image-uri",
                    previous.image,
                )
                with lock:
                    attention.append(
                        f"Lambda function {name}: must be set back to {previous.image} "
                        f"({command}); restoring failed: {detail}"
                    )
            else:
                with lock:
                    restored.append(note)

        self._run_concurrently(sorted(journal.touched_functions), restore_one)
        if journal.parameter_touched:
            notes, problems = self._restore_parameter(image, journal)
            restored.extend(notes)
            attention.extend(problems)
        restored.sort()
        if attention:
            raise RestoreFailedError(
                f"{what}. Restoring failed too; needs manual attention: "
                + "; ".join(sorted(attention)),
                needs_attention=sorted(attention),
                restored=restored,
            ) from cause
        summary = "; ".join(restored) if restored else "nothing had been changed"
        raise ReleaseFailedError(f"{what}. Restored: {summary}", restored=restored) from cause

    def _restore_function(
        self,
        name: str,
        previous: FunctionState,
        ours: str | None,
        uri: str,
        settled: Mapping[str, Any] | None = None,
    ) -> str:
        """Put one function back on its previous image, unless someone else changed it.

        ``ours`` is the ``RevisionId`` the function reported after this release updated
        it (None if the update's outcome is unknown). A different revision now means a
        change this release did not make: it is reported, never overwritten. In schema 2
        the release also published a version, which may move the revision on: a
        function still on ``uri``, with the ``LastModified``, code and configuration it
        reported after this release's update (``settled``), is unchanged since.
        """
        response = self._settled(name, interruptible=False)
        config, image = response["Configuration"], response["Code"].get("ImageUri")
        revision = self._revision(name, response)
        if config.get("LastUpdateStatus") != "Failed" and image == previous.image:
            self._progress(name, f"unchanged, still on {previous.image}")
            return f"Lambda function {name} still on {previous.image}"
        unchanged_since = (
            settled is not None
            and image == uri
            and config.get("LastModified") == settled.get("LastModified")
            and not config_differences(config, settled)
        )
        if (ours is not None and revision != ours and not unchanged_since) or (
            ours is None and image != uri
        ):
            raise RevisionConflictError(
                f"changed by someone else after this release updated it (revision {revision}, "
                f"image {image}); not overwritten"
            )
        self._progress(name, f"restoring {previous.image}")
        self._move_function(name, previous.image, revision, interruptible=False)
        return f"Lambda function {name} back on {previous.image}"

    def _restore_aliases(
        self, image_name: str, journal: _Journal, restored: list[str], attention: list[str]
    ) -> None:
        """Put every alias this release's deployments moved back on its previous version.

        A deployment still running is stopped with rollback (CodeDeploy moves the alias
        back); one that failed was rolled back by CodeDeploy already; one that succeeded
        is deployed back, all at once. Each alias is then verified by version number.
        Nothing here raises: each problem becomes a line of ``attention``.
        """
        deployments = self._deployments()
        shifts = sorted(journal.shifts.values(), key=lambda s: s.target.name)

        def problem(shift: _Shift, detail: str) -> None:
            command = shell_command(
                "aws", "lambda", "update-alias",
                "--function-name", shift.target.name, "--name", shift.target.alias,
                "--function-version", shift.previous,
                "--routing-config", "AdditionalVersionWeights={}",
            )  # fmt: skip
            attention.append(
                f"{shift.target.describe()}: must serve version {shift.previous} again "
                f"({command}); {detail}"
            )

        def guarded(shift: _Shift, step: Callable[[], None]) -> bool:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - reported as needing attention
                detail = describe_error(exc)
                problem(shift, f"restoring failed: {detail}")
                return False
            return True

        def find_own(shift: _Shift) -> None:
            # Asked for, but the answer was lost: the group's active deployment with
            # this release's description is its own.
            for deployment_id in deployments.active(shift.target):
                if deployments.outcome(deployment_id)[1] == shift.description:
                    shift.deployment_id = deployment_id

        running: dict[str, tuple[LambdaTarget, str]] = {}
        usable: list[_Shift] = []
        for shift in shifts:
            if shift.deployment_id is None and not guarded(shift, partial(find_own, shift)):
                continue
            usable.append(shift)
            if shift.deployment_id is None or (shift.outcome and shift.outcome.ended):
                continue
            deployment_id = shift.deployment_id
            self._progress(shift.target.name, f"stopping deployment {deployment_id} (rollback)")
            if guarded(shift, partial(deployments.stop, deployment_id)):
                running[deployment_id] = (shift.target, shift.previous)
        if running:
            try:
                deployments.wait(running, interrupts=None, stop_on_failure=False)
            except Exception as exc:  # noqa: BLE001 - judged by the aliases below
                self._progress(image_name, f"waiting for the stopped deployments: {exc}")

        def alias_of(shift: _Shift) -> AliasState | None:
            try:
                return read_alias(self.clients.lambda_, shift.target, self._retry)
            except Exception as exc:  # noqa: BLE001 - reported as needing attention
                problem(shift, f"cannot read it: {describe_error(exc)}")
                return None

        back: dict[str, _Shift] = {}
        for shift in usable:
            alias = alias_of(shift)
            if alias is None:
                continue
            if alias.serves_only(shift.previous):
                restored.append(f"{shift.target.describe()} back on version {shift.previous}")
                self._progress(shift.target.name, f"{alias.name} serves version {shift.previous}")
            elif alias.serves_only(shift.version):
                # Finished before the release failed: deploy it back, all at once.
                self._progress(
                    shift.target.name, f"deploying {alias.name} back to version {shift.previous}"
                )
                try:
                    deployment_id = deployments.start(
                        shift.target,
                        shift.version,
                        shift.previous,
                        description=f"{shift.description} restore",
                        config=ALL_AT_ONCE,
                    )
                except Exception as exc:  # noqa: BLE001 - reported as needing attention
                    detail = describe_error(exc)
                    problem(shift, f"deploying it back failed: {detail}")
                    continue
                back[deployment_id] = shift
            else:
                problem(
                    shift,
                    f"it serves {alias.describe()}, neither this release's version "
                    f"{shift.version} nor the previous one; not changed",
                )
        if not back:
            return
        try:
            outcomes = deployments.wait(
                {d: (s.target, s.previous) for d, s in back.items()},
                interrupts=None,
                stop_on_failure=False,
            )
        except Exception as exc:  # noqa: BLE001 - judged by the aliases below
            self._progress(image_name, f"waiting for the deployments back: {exc}")
            outcomes = {}
        for deployment_id, shift in sorted(back.items(), key=lambda item: item[1].target.name):
            alias = alias_of(shift)
            if alias is None:
                continue
            if alias.serves_only(shift.previous):
                restored.append(
                    f"{shift.target.describe()} deployed back to version {shift.previous} "
                    f"({deployment_id})"
                )
            else:
                outcome = outcomes.get(deployment_id)
                problem(
                    shift,
                    f"deployment {deployment_id} back "
                    f"{outcome.describe() if outcome else 'did not end'}; "
                    f"it serves {alias.describe()}",
                )

    def _restore_parameter(
        self, image: ImageTargets, journal: _Journal
    ) -> tuple[list[str], list[str]]:
        """Record this release's versions as failed, then put the previous value back.

        The versions are found in the history (after ``version_before``, holding the
        new tag), not from PutParameter's response: a retried put whose first answer
        was lost writes several. Recording comes first, so that whatever happens next
        ``rollback`` never selects them; the history is read again after the restore,
        which catches a write that landed late.
        """
        name, previous, tag = journal.tag_parameter, journal.previous_tag, journal.tag
        records = self._records(image)
        notes: list[str] = []
        problems: list[str] = []
        recorded: set[int] = set()
        record_failed = False
        wrote_back = False
        restore_command = shell_command(
            "aws", "ssm", "put-parameter", "--overwrite", "--name", name, "--value", previous
        )

        def cannot_record(exc: BaseException) -> None:
            detail = describe_error(exc)
            problems.append(
                f"SSM parameter {records.record_parameter}: could not record that {tag!r} "
                f"(versions of {name} after {journal.version_before}) failed: {detail}; "
                f"until it is recorded, rollback may select {tag!r}"
            )

        for _attempt in range(3):
            history: list[Version] | None = None
            if not record_failed:
                try:
                    history = records.history()
                    ours = {
                        v.version
                        for v in history
                        if v.version > journal.version_before and v.value == tag
                    }
                    if ours - recorded:
                        records.record(history, ours, records.read())
                        recorded |= ours
                except Exception as exc:  # noqa: BLE001 - reported as needing attention
                    cannot_record(exc)
                    record_failed = True
            if history is not None and history[-1].value == previous:
                break
            try:
                self._progress(name, f"restoring {previous}")
                self._put_tag_value(image, previous)
                wrote_back = True
            except Exception as exc:  # noqa: BLE001 - reported as needing attention
                detail = describe_error(exc)
                problems.append(
                    f"SSM parameter {name}: must be set back to {previous!r} "
                    f"({restore_command}); restoring failed: {detail}"
                )
                return notes, problems
            if record_failed:
                break  # written back, but without the history there is nothing to verify
        else:
            problems.append(
                f"SSM parameter {name}: something kept writing {tag!r} after it was put back "
                f"to {previous!r} three times; set it back: {restore_command}"
            )
            return notes, problems
        notes.append(f"SSM parameter {name} {'back to' if wrote_back else 'still'} {previous!r}")
        if recorded:
            listed = ", ".join(str(v) for v in sorted(recorded))
            notes.append(
                f"SSM parameter {records.record_parameter}: version(s) {listed} of {name} "
                f"({tag!r}) recorded as failed"
            )
        return notes, problems


def result_summary(result: ReleaseResult) -> str:
    """Human-readable summary of a release, one line per target."""
    if result.noop:
        head = f"{result.image}: {result.tag} was already released; nothing changed."
    else:
        head = (
            f"{result.image}: released {result.tag} (was {result.previous_tag}); "
            f"{result.tag_parameter} = {result.tag}"
        )
    lines = [head]
    for t in result.targets:
        if t.alias is not None and t.action != "unchanged":
            moved = (
                f"{t.alias} {t.previous_version} -> {t.version} (deployment {t.deployment})"
                if t.deployment
                else f"{t.alias} serves {t.version}"
            )
            lines.append(f"  lambda {t.name}: {t.previous_image} -> {t.image}; {moved} (verified)")
        elif t.alias is not None:
            lines.append(f"  lambda {t.name}: already on {t.image}; {t.alias} serves {t.version}")
        elif t.action == "updated":
            lines.append(f"  lambda {t.name}: {t.previous_image} -> {t.image} (verified)")
        elif t.action == "unchanged":
            lines.append(f"  lambda {t.name}: already on {t.image}")
        else:
            lines.append(f"  ecs {t.name}: {result.imagedefinitions} names {t.image}")
    lines.extend(f"  warning: {w}" for w in result.warnings)
    return "\n".join(lines)


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
