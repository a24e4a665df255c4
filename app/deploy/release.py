"""Release an image tag to every target of the manifest, verify it, and undo it on failure.

The order of ``Releaser.release`` is the contract in docs/app-release.md:

1. the manifest is already read and validated (``app.deploy.manifest``);
2. the tag must exist in ECR before anything changes (real Lambda checks, moto does not);
3. the previous tag and every function's current image are recorded (2 and 3 are
   reads, run side by side);
4. the tag parameter is written;
5. every Lambda target is updated concurrently, and
6. each is waited for and verified to report the new image;
7. ``imagedefinitions.json`` is written for the image's ECS targets;
8. a ``ReleaseResult`` is returned for the summary.

From step 4 on, any failure restores every touched function and the parameter.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from botocore.exceptions import ClientError

from app.deploy.exceptions import (
    DeployError,
    ImageTagNotFoundError,
    InvalidTargetError,
    NoPreviousTagError,
    ReleaseFailedError,
    RestoreFailedError,
    TargetUpdateError,
)
from app.deploy.retry import RetryPolicy, describe_error, error_code
from app.deploy.tags import validate_tag

if TYPE_CHECKING:
    from mypy_boto3_lambda.type_defs import GetFunctionResponseTypeDef

    from app.deploy.clients import AwsClients
    from app.deploy.manifest import DeployManifest, ImageTargets

Progress = Callable[[str, str], None]
"""Called as ``progress(target, message)`` from worker threads; must be thread-safe."""

FAILED_RELEASE_LABEL_PREFIX = "release-failed-v"
"""Label put on a tag parameter version whose release was undone, so ``rollback`` skips it."""


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
    action: Literal["updated", "unchanged", "imagedefinitions"]


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

    @property
    def noop(self) -> bool:
        """True when the tag was already released and every function already ran it."""
        return not self.parameter_changed and all(
            t.action != "updated" for t in self.targets if t.kind == "lambda"
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
                }
                for t in self.targets
            ],
        }


@dataclass
class _Journal:
    """Every change made so far, so a failure can undo exactly those."""

    tag_parameter: str
    previous_tag: str
    parameter_touched: bool = False
    new_parameter_version: int | None = None
    touched_functions: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def touch_function(self, name: str, previous_image: str) -> None:
        with self.lock:
            self.touched_functions[name] = previous_image


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
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.clients = clients
        self.manifest = manifest
        self._progress = progress or _no_progress
        self._retry = retry or RetryPolicy()
        self._wait = wait or WaitPolicy()
        self._max_concurrency = max_concurrency

    # -- queries ---------------------------------------------------------------------

    def exists(self, image_name: str, tag: str) -> bool:
        """True if ``tag`` is in the ECR repository of ``image_name``."""
        validate_tag(tag)
        return self._tag_in_ecr(image_name, self.manifest.image(image_name), tag)

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
            raise InvalidTargetError(
                f"ECR repository {image.repository_name} (image {image_name!r} in the manifest) "
                "does not exist; deploy the infra stack first"
            ) from exc
        return True

    def previous_tag(self, image_name: str) -> str:
        """The tag ``rollback`` would release: the latest recorded value unlike the current one.

        Versions labelled ``release-failed-v<N>`` were undone by a failed release and
        are skipped. The placeholder tag is refused: rolling a live function back to
        the placeholder image would take it out of service.
        """
        image = self.manifest.image(image_name)
        history = self._parameter_history(image)
        current = history[-1]["Value"]
        for entry in reversed(history):
            labels = entry.get("Labels") or []
            if any(label.startswith(FAILED_RELEASE_LABEL_PREFIX) for label in labels):
                continue
            value = entry["Value"]
            if value == current:
                continue
            if value == image.placeholder_tag:
                raise NoPreviousTagError(
                    f"the tag before {current!r} in {image.tag_parameter} is the placeholder "
                    f"{value!r}; refusing to roll functions back to the placeholder image. "
                    "Release a real tag instead: python -m app.deploy release --image "
                    f"{image_name} --tag <tag>"
                )
            return value
        raise NoPreviousTagError(
            f"{image.tag_parameter} has no earlier value than {current!r} in its history "
            f"({len(history)} version(s) kept by SSM); nothing to roll back to"
        )

    def _parameter_history(self, image: ImageTargets) -> list[dict[str, Any]]:
        ssm = self.clients.ssm
        entries: list[dict[str, Any]] = []
        try:
            for page in ssm.get_paginator("get_parameter_history").paginate(
                Name=image.tag_parameter, PaginationConfig={"PageSize": 50}
            ):
                entries.extend(dict(p) for p in page["Parameters"])
        except ssm.exceptions.ParameterNotFound as exc:
            raise self._missing_parameter(image) from exc
        if not entries:
            raise self._missing_parameter(image)
        return sorted(entries, key=lambda e: int(e["Version"]))

    # -- release ---------------------------------------------------------------------

    def rollback(self, image_name: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release ``previous_tag(image_name)``, with all the guarantees of ``release``."""
        tag = self.previous_tag(image_name)
        self._progress(image_name, f"rolling back to {tag}")
        return self.release(image_name, tag, imagedefinitions=imagedefinitions)

    def release(self, image_name: str, tag: str, *, imagedefinitions: Path | None) -> ReleaseResult:
        """Release ``tag`` of ``image_name`` to all its targets (see the module docstring)."""
        validate_tag(tag)
        image = self.manifest.image(image_name)
        uri = image.image_uri(tag)
        functions = list(image.lambda_functions)
        try:
            previous_tag, previous_images = self._read_state(image_name, image, tag, functions)
        except ClientError as exc:
            raise ReleaseFailedError(
                f"release of {image_name} {tag} failed before changing anything: "
                f"{describe_error(exc)}",
                restored=[],
            ) from exc

        to_update = [name for name in functions if previous_images[name] != uri]
        parameter_changed = previous_tag != tag
        if not parameter_changed and not to_update:
            self._progress(image_name, f"{tag} is already released; nothing to change")

        journal = _Journal(tag_parameter=image.tag_parameter, previous_tag=previous_tag)
        try:
            if parameter_changed:
                self._put_parameter(image, tag, journal)
            self._update_functions(to_update, uri, previous_images, journal)
            definitions = self._write_imagedefinitions(image, uri, imagedefinitions)
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - any failure is undone
            self._restore(image_name, tag, journal, exc)

        targets = [
            TargetResult(
                kind="lambda",
                name=name,
                previous_image=previous_images[name],
                image=uri,
                action="updated" if name in to_update else "unchanged",
            )
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

    # -- steps -----------------------------------------------------------------------

    def _missing_parameter(self, image: ImageTargets) -> InvalidTargetError:
        return InvalidTargetError(
            f"tag parameter {image.tag_parameter} does not exist; the infra stack creates it "
            "(pulumi up) before the first release"
        )

    def _read_parameter(self, image: ImageTargets) -> str:
        ssm = self.clients.ssm
        try:
            response = self._retry.call(lambda: ssm.get_parameter(Name=image.tag_parameter))
        except ssm.exceptions.ParameterNotFound as exc:
            raise self._missing_parameter(image) from exc
        return response["Parameter"]["Value"]

    def _read_state(
        self, image_name: str, image: ImageTargets, tag: str, functions: Sequence[str]
    ) -> tuple[str, dict[str, str]]:
        """Steps 2 and 3: the tag is in ECR; the recorded tag and each function's image.

        These are reads, so they run side by side (a release's time is mostly round
        trips). All finish before anything changes, and errors are raised in step
        order: a missing tag first, then the parameter, then the functions.
        """
        # Created here, before the worker threads share them.
        _ = self.clients.ecr, self.clients.ssm
        if functions:
            _ = self.clients.lambda_
        workers = min(self._max_concurrency, len(functions) + 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = pool.submit(self._tag_in_ecr, image_name, image, tag)
            recorded = pool.submit(self._read_parameter, image)
            images = [pool.submit(self._read_function, name) for name in functions]
        if not found.result():
            raise ImageTagNotFoundError(
                f"tag {tag} is not in ECR repository {image.repository_name}; push "
                f"{image.image_uri(tag)} first (nothing was changed)"
            )
        return recorded.result(), {
            name: future.result() for name, future in zip(functions, images, strict=True)
        }

    def _read_function(self, name: str) -> str:
        lambda_ = self.clients.lambda_
        try:
            response = self._retry.call(lambda: lambda_.get_function(FunctionName=name))
        except lambda_.exceptions.ResourceNotFoundException as exc:
            raise InvalidTargetError(
                f"Lambda function {name}, named in the deploy manifest, does not exist"
            ) from exc
        if response["Configuration"].get("PackageType") != "Image":
            raise InvalidTargetError(
                f"Lambda function {name} is not a container-image function "
                f"(PackageType {response['Configuration'].get('PackageType')!r})"
            )
        return response["Code"].get("ImageUri", "")

    def _put_parameter(self, image: ImageTargets, tag: str, journal: _Journal) -> None:
        ssm = self.clients.ssm
        self._progress(image.tag_parameter, f"{journal.previous_tag} -> {tag}")
        journal.parameter_touched = True
        response = self._retry.call(
            lambda: ssm.put_parameter(
                Name=image.tag_parameter, Value=tag, Type="String", Overwrite=True
            )
        )
        journal.new_parameter_version = response["Version"]

    def _update_functions(
        self,
        names: Sequence[str],
        uri: str,
        previous_images: dict[str, str],
        journal: _Journal,
    ) -> None:
        def move(name: str, cancelled: threading.Event) -> None:
            if cancelled.is_set():
                self._progress(name, "skipped: another target failed")
                return
            journal.touch_function(name, previous_images[name])
            self._move_function(name, uri)

        failures = self._run_concurrently(names, move)
        if failures:
            raise TargetUpdateError(failures)

    def _move_function(self, name: str, uri: str) -> None:
        """Update one function to ``uri``, wait for it, and check it reports ``uri``."""
        lambda_ = self.clients.lambda_
        self._progress(name, f"updating to {uri}")
        try:
            self._retry.call(
                lambda: lambda_.update_function_code(FunctionName=name, ImageUri=uri),
                on_retry=lambda attempt, code: self._progress(
                    name, f"{code}, retrying (attempt {attempt + 1})"
                ),
            )
        except ClientError as exc:
            raise DeployError(
                f"Lambda function {name}: UpdateFunctionCode failed: {describe_error(exc)}"
            ) from exc
        self._progress(name, "waiting for the update")
        response = self._settled(name)
        config = response["Configuration"]
        if config.get("LastUpdateStatus") == "Failed":
            raise DeployError(
                f"Lambda function {name}: update failed: "
                f"{config.get('LastUpdateStatusReasonCode', '')} "
                f"{config.get('LastUpdateStatusReason', '')}".rstrip()
            )
        reported = response["Code"].get("ImageUri")
        if reported != uri:
            raise DeployError(f"Lambda function {name}: reports image {reported}, expected {uri}")
        self._progress(name, "verified")

    def _settled(self, name: str) -> GetFunctionResponseTypeDef:
        """``GetFunction`` once ``LastUpdateStatus`` is no longer ``InProgress``."""
        lambda_ = self.clients.lambda_
        delay, slept = self._wait.first_delay, 0.0
        while True:
            try:
                response = self._retry.call(lambda: lambda_.get_function(FunctionName=name))
            except ClientError as exc:
                raise DeployError(
                    f"Lambda function {name}: GetFunction failed: {describe_error(exc)}"
                ) from exc
            if response["Configuration"].get("LastUpdateStatus") != "InProgress":
                return response
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
                    message = str(exc) if isinstance(exc, DeployError) else describe_error(exc)
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
        self, image_name: str, tag: str, journal: _Journal, cause: BaseException
    ) -> NoReturn:
        """Undo every change in ``journal``, then raise what the caller should see."""
        what = f"release of {image_name} {tag} failed: " + (
            str(cause) if isinstance(cause, DeployError) else describe_error(cause)
        )
        self._progress(image_name, f"{what}; restoring")
        restored: list[str] = []
        attention: list[str] = []
        lock = threading.Lock()

        def restore_one(name: str, cancelled: threading.Event) -> None:
            previous = journal.touched_functions[name]
            try:
                note = self._restore_function(name, previous)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
                detail = str(exc) if isinstance(exc, DeployError) else describe_error(exc)
                with lock:
                    attention.append(
                        f"Lambda function {name}: must be set back to {previous} "
                        f"(aws lambda update-function-code --function-name {name} "
                        f"--image-uri {previous}); restoring failed: {detail}"
                    )
            else:
                with lock:
                    restored.append(note)

        self._run_concurrently(sorted(journal.touched_functions), restore_one)
        if journal.parameter_touched:
            try:
                restored.append(self._restore_parameter(journal))
            except Exception as exc:  # noqa: BLE001 - reported as needing attention
                attention.append(
                    f"SSM parameter {journal.tag_parameter}: must be set back to "
                    f"{journal.previous_tag!r} (aws ssm put-parameter --overwrite --name "
                    f"{journal.tag_parameter} --value {journal.previous_tag}); restoring "
                    f"failed: {describe_error(exc)}"
                )
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

    def _restore_function(self, name: str, previous: str) -> str:
        response = self._settled(name)
        status = response["Configuration"].get("LastUpdateStatus")
        if status != "Failed" and response["Code"].get("ImageUri") == previous:
            self._progress(name, f"unchanged, still on {previous}")
            return f"Lambda function {name} still on {previous}"
        self._progress(name, f"restoring {previous}")
        self._move_function(name, previous)
        return f"Lambda function {name} back on {previous}"

    def _restore_parameter(self, journal: _Journal) -> str:
        ssm = self.clients.ssm
        name, previous = journal.tag_parameter, journal.previous_tag
        current = self._retry.call(lambda: ssm.get_parameter(Name=name))["Parameter"]["Value"]
        if current == previous:
            note = f"SSM parameter {name} still {previous!r}"
        else:
            self._progress(name, f"restoring {previous}")
            self._retry.call(
                lambda: ssm.put_parameter(Name=name, Value=previous, Type="String", Overwrite=True)
            )
            note = f"SSM parameter {name} back to {previous!r}"
        version = journal.new_parameter_version
        if version is not None:
            # Mark the undone version so `rollback` never "returns" to a failed tag.
            label = f"{FAILED_RELEASE_LABEL_PREFIX}{version}"
            try:
                self._retry.call(
                    lambda: ssm.label_parameter_version(
                        Name=name, ParameterVersion=version, Labels=[label]
                    )
                )
            except ClientError as exc:
                note += (
                    f" (could not label version {version} {label}: {error_code(exc)}; "
                    "a later rollback may pick that tag)"
                )
        return note


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
        if t.action == "updated":
            lines.append(f"  lambda {t.name}: {t.previous_image} -> {t.image} (verified)")
        elif t.action == "unchanged":
            lines.append(f"  lambda {t.name}: already on {t.image}")
        else:
            lines.append(f"  ecs {t.name}: {result.imagedefinitions} names {t.image}")
    return "\n".join(lines)


__all__ = [
    "FAILED_RELEASE_LABEL_PREFIX",
    "Progress",
    "ReleaseResult",
    "Releaser",
    "TargetResult",
    "WaitPolicy",
    "result_summary",
]
