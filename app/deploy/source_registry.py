"""The build stage's repository as a promotion uses it: a tag's digest, the digest's
presence, and the promotion tag (added, read, taken away), through the reader role.

Tags are immutable there, so the digest behind a tag never changes, and PutImage may
still give an existing digest a NEW tag (ECR User Guide, "Image tag mutability"): the
promotion tag is the very manifest BatchGetImage returns, put again under another tag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import msgspec
from botocore.exceptions import ClientError

from app.deploy.exceptions import (
    DeployError,
    DigestNotPresentError,
    ImageTagNotFoundError,
    InvalidTargetError,
    PromotionTagMovedError,
)
from app.deploy.names import repository_url_parts
from app.deploy.retry import ACCESS_ERROR_CODES, describe_error, error_code

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecr.type_defs import ImageFailureTypeDef, ImageIdentifierTypeDef

    from app.deploy.manifest import ImageTargets
    from app.deploy.plan import TagSource
    from app.deploy.retry import RetryPolicy
    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress

# BatchGetImage's acceptedMediaTypes (ECR API reference): without them ECR may answer
# with a converted schema-1 manifest, whose PutImage would be another digest.
MANIFEST_MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
]


#: Seconds ``promote`` waits for a digest to be readable unless ``--replication-wait`` says.
DEFAULT_WAIT = 600.0


class PresencePolicy(msgspec.Struct, frozen=True):
    """How long to wait for a digest to be readable, and how often to look and say so.

    Polls start at ``first_poll`` seconds and grow by half up to ``max_poll``; a
    progress line at most every ``report_every`` seconds. ``timeout`` 0 looks once.
    """

    timeout: float = DEFAULT_WAIT
    first_poll: float = 0.25
    max_poll: float = 5.0
    report_every: float = 5.0
    clock: Callable[[], float] = time.monotonic


class SourceRegistry:
    """ECR of the build stage, as its promotion reader role sees it."""

    def __init__(
        self,
        ecr: Callable[[], ECRClient],
        *,
        stage: str,
        reader_role: str,
        retry: RetryPolicy,
        progress: Progress,
        interrupts: Interrupts,
    ) -> None:
        self._ecr = ecr
        self._stage = stage
        self._reader_role = reader_role
        self._retry = retry
        self._progress = progress
        self._interrupts = interrupts

    def _image_digest(self, repository: str, image_id: ImageIdentifierTypeDef) -> str | None:
        """``DescribeImages`` of one image id: its digest, or None if it is not there."""
        ecr = self._ecr()
        try:
            response = self._retry.call(
                lambda: ecr.describe_images(repositoryName=repository, imageIds=[image_id])
            )
        except ecr.exceptions.ImageNotFoundException:
            return None
        except ecr.exceptions.RepositoryNotFoundException as exc:
            raise InvalidTargetError(
                f"stage {self._stage}'s ECR repository {repository} does not exist; "
                "nothing was changed"
            ) from exc
        (detail,) = response["imageDetails"]
        return detail["imageDigest"]

    def digest_of(self, image: ImageTargets, tag: str) -> str:
        """The digest ``tag`` names in the build stage's repository."""
        digest = self._image_digest(image.repository_name, {"imageTag": tag})
        if digest is None:
            raise ImageTagNotFoundError(
                f"tag {tag} is not in stage {self._stage}'s ECR repository "
                f"{image.repository_name} (expired, or never pushed); nothing was changed. "
                f"Promote a tag {self._stage} released that is still there, or build, push "
                f"and release a new one in {self._stage} first"
            )
        return digest

    def tagged(self, image: ImageTargets, tag: str) -> str | None:
        """The digest the promotion tag ``tag`` names, or None while it is absent."""
        return self._image_digest(image.repository_name, {"imageTag": tag})

    def present(self, image: ImageTargets, digest: str) -> bool:
        """True when ``digest`` is readable where this stage's targets pull it."""
        return self._image_digest(image.repository_name, {"imageDigest": digest}) is not None

    def wait_present(self, image: ImageTargets, digest: str, policy: PresencePolicy) -> None:
        """Poll until ``digest`` is present, with a progress line every few seconds.

        Here this stage pulls from the build stage's own repository, so the digest is
        there at once; the wait is for a variant that copies it (ECR replication is
        asynchronous). ``DigestNotPresentError`` (exit 1, nothing changed) on timeout.
        """
        where = f"{image.repository_url}@{digest}"
        start = policy.clock()
        delay, reported = policy.first_poll, None
        while not self.present(image, digest):
            now = policy.clock()
            waited = now - start
            if waited >= policy.timeout:
                raise DigestNotPresentError(
                    f"{where} was not readable after {policy.timeout:.0f}s "
                    "(--replication-wait); nothing was changed. Promote again once it is"
                )
            if reported is None or now - reported >= policy.report_every:
                self._progress(
                    image.repository_name,
                    f"waiting for {digest} to be readable ({waited:.0f}s of {policy.timeout:.0f}s)",
                )
                reported = now
            if self._interrupts.wait(min(delay, policy.timeout - waited)):
                self._interrupts.check()
            delay = min(delay * 1.5, policy.max_poll)
        self._progress(image.repository_name, f"{digest} is readable")

    def add_tag(self, step: TagSource) -> None:
        """``PutImage`` of the digest's own manifest under the promotion tag.

        An ``ImageAlreadyExistsException`` means the tag is already on this digest (a
        retried request whose first answer was lost): done. The answer's digest must be
        the step's: anything else is refused, never kept.
        """
        ecr = self._ecr()
        try:
            found = self._retry.call(
                lambda: ecr.batch_get_image(
                    repositoryName=step.repository,
                    imageIds=[{"imageDigest": step.digest}],
                    acceptedMediaTypes=MANIFEST_MEDIA_TYPES,
                )
            )
        except ClientError as exc:
            if error_code(exc) not in ACCESS_ERROR_CODES:
                raise
            raise self._refused("ecr:BatchGetImage", step, exc) from exc
        if not found.get("images"):
            raise DeployError(
                f"{step.repository_url}@{step.digest}: BatchGetImage found no manifest "
                f"({_failures(found.get('failures', []))}), though the digest was read "
                f"moments before: it was deleted since (by {self._stage}'s lifecycle policy "
                "or by hand); the promotion tag was not added. Promote a tag "
                f"{self._stage} released that is still in its repository"
            )
        (image,) = found["images"]
        try:
            put = self._retry.call(
                lambda: ecr.put_image(
                    repositoryName=step.repository,
                    imageManifest=image["imageManifest"],
                    imageManifestMediaType=image.get("imageManifestMediaType", ""),
                    imageTag=step.tag,
                    imageDigest=step.digest,
                )
            )
        except ecr.exceptions.ImageAlreadyExistsException:
            return
        except ClientError as exc:
            if error_code(exc) not in ACCESS_ERROR_CODES:
                raise
            raise self._refused("ecr:PutImage", step, exc) from exc
        digest = put["image"]["imageId"]["imageDigest"]
        if digest != step.digest:
            raise DeployError(
                f"PutImage of tag {step.tag} in {step.repository_url} answered digest "
                f"{digest}, expected {step.digest}: ECR stored the manifest as another image, "
                "so the tag is not this promotion's. Look at what it names ("
                + _ecr_command("describe-images", step)
                + ") before promoting again"
            )
        self._progress(step.repository, f"tagged {step.digest} {step.tag}")

    def remove_tag(self, step: TagSource) -> str:
        """Take the promotion tag away again, if it still names the step's digest.

        ``BatchDeleteImage`` of a tag removes only that tag from an image that has
        others (its commit tag); a tag already gone is fine.
        """
        current = self._image_digest(step.repository, {"imageTag": step.tag})
        if current is None:
            return f"ECR {step.repository_url}: tag {step.tag} not there"
        if current != step.digest:
            raise PromotionTagMovedError(
                f"tag {step.tag} now names {current}, not {step.digest}; left alone", current
            )
        ecr = self._ecr()
        answer = self._retry.call(
            lambda: ecr.batch_delete_image(
                repositoryName=step.repository, imageIds=[{"imageTag": step.tag}]
            )
        )
        failures = [
            f for f in answer.get("failures", []) if f.get("failureCode") != "ImageNotFound"
        ]
        if failures:
            raise DeployError(
                f"BatchDeleteImage of tag {step.tag} in {step.repository_url} answered "
                f"{_failures(failures)}"
            )
        self._progress(step.repository, f"removed tag {step.tag}")
        return f"ECR {step.repository_url}: tag {step.tag} removed again"

    def _refused(self, action: str, step: TagSource, exc: ClientError) -> DeployError:
        """An access-denied answer to the reader role, as what to grant it."""
        return DeployError(
            f"stage {self._stage}'s promotion reader role {self._reader_role} may not call "
            f"{action} on {_repository_arn(step)} ({describe_error(exc)}); the promotion tag "
            f"was not added. The infra stack of {self._stage} grants it (pulumi up there), "
            "or add it to the role's policy"
        )


def _repository_arn(step: TagSource) -> str:
    """The build stage's repository as IAM names it (ECR's ARN format)."""
    parts = repository_url_parts(step.repository_url)
    if parts is None:
        return step.repository_url
    account, region, name = parts
    # The partition follows from the Region's name (AWS General Reference, "Regions"):
    # cn-* is aws-cn, us-gov-* aws-us-gov, the rest aws.
    partition = (
        "aws-cn"
        if region.startswith("cn-")
        else "aws-us-gov"
        if region.startswith("us-gov-")
        else "aws"
    )
    return f"arn:{partition}:ecr:{region}:{account}:repository/{name}"


def _failures(failures: Sequence[ImageFailureTypeDef]) -> str:
    """ECR's ``ImageFailure`` list as ``code: reason`` items."""
    return (
        "; ".join(
            f"{f.get('failureCode', 'unknown')}: {f.get('failureReason', '')}".rstrip(": ")
            for f in failures
        )
        or "no failure given"
    )


def _ecr_command(verb: str, step: TagSource) -> str:
    """``aws ecr <verb>`` of the promotion tag in the build stage's repository."""
    from app.deploy.shell import shell_command

    return shell_command(
        "aws", "ecr", verb,
        "--registry-id", step.repository_url.split(".", 1)[0],
        "--repository-name", step.repository, "--image-ids", f"imageTag={step.tag}",
    )  # fmt: skip


def describe_tag_left(step: TagSource) -> str:
    """A restore note for a promotion tag the reader role was not allowed to remove."""
    return (
        f"ECR {step.repository_url}: tag {step.tag} left on {step.digest} (the promotion "
        "reader role may not delete images; the tag changes nothing a stage runs and is "
        "reused by a later promotion of this tag; to remove it, run "
        f"{_ecr_command('batch-delete-image', step)} as someone who may delete images there)"
    )


def describe_tag_failure(step: TagSource, exc: BaseException) -> str:
    """A "needs manual attention" line for a promotion tag that could not be removed.

    A tag that names another digest now was pushed again by someone else: the line says
    to look at it, never to delete it (the image it names may be running somewhere).
    """
    if isinstance(exc, PromotionTagMovedError):
        return (
            f"ECR {step.repository_url}: tag {step.tag} names {exc.current} now, not "
            f"{step.digest} that this promotion tagged; left alone, since it is not this "
            "promotion's to remove (someone removed it and pushed it again since). Look at it "
            "with " + _ecr_command("describe-images", step)
        )
    command = _ecr_command("batch-delete-image", step)
    code = error_code(exc)
    reason = describe_error(exc) if code else str(exc)
    return (
        f"ECR {step.repository_url}: tag {step.tag} (on {step.digest}) must be removed "
        f"({command}, as someone who may delete images there); removing it failed: {reason}"
    )
