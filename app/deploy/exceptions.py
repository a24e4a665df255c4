"""Failures of the release tool, one class per thing a caller can act on.

Each class carries the process exit code the CLI maps it to (docs/app-release.md has
the full table, with what a person does after each):

* 1, ``ReleaseFailedError``: the release failed and everything it changed was restored.
* 2, ``BadInputError``: the request cannot be carried out as given; nothing was touched.
* 3, ``RestoreFailedError``: the release failed and so did restoring; ``needs_attention``
  names each resource a person must fix.
* 4, ``LockHeldError``: another release of the image holds its lock; nothing was touched.
* 5, ``AwsAccessError``: AWS could not be asked (region, credentials, access, network).
* 130, ``InterruptedBySignalError``: SIGINT or SIGTERM arrived before anything was changed.

``status`` is not a failure: it returns ``EXIT_DRIFT`` (6) or ``EXIT_UNREADABLE`` (7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

EXIT_DRIFT = 6
"""``status``: at least one target does not run its recorded tag."""
EXIT_UNREADABLE = 7
"""``status``: a target or a recorded tag could not be read."""


class DeployError(Exception):
    """Base class of every failure the release tool reports."""

    exit_code: ClassVar[int] = 1


class BadInputError(DeployError):
    """The request cannot be carried out as given. Nothing was changed."""

    exit_code = 2


class ManifestError(BadInputError):
    """The deploy manifest cannot be used."""


class ManifestNotFoundError(ManifestError):
    """No manifest parameter was named, or the SSM parameter does not exist."""


class ManifestInvalidError(ManifestError):
    """The manifest is not JSON, or does not match the schema-1 contract."""


class UnsupportedSchemaError(ManifestError):
    """The manifest declares a ``schema`` this tool does not read."""


class UntrustedRegistryError(ManifestError):
    """The manifest's ``repositoryUrl`` is not this account's and region's ECR repository.

    The tool reads the repository's own URI from ECR (``DescribeRepositories``) and
    refuses to roll anything else out: a manifest naming another registry could point
    every target at images nobody in this account pushed.
    """


class UnknownImageError(BadInputError):
    """The image name is not a key of the manifest's ``images``."""


class MalformedTagError(BadInputError):
    """A tag or commit id is not 7 to 40 lowercase hexadecimal characters."""


class NotAGitRepositoryError(BadInputError):
    """``tag`` found neither CODEBUILD_RESOLVED_SOURCE_VERSION nor a git checkout."""


class ImageTagNotFoundError(BadInputError):
    """The tag to release is not in the image's ECR repository (push it first)."""


class InvalidTargetError(BadInputError):
    """A resource the manifest names is missing or of the wrong kind.

    For example the tag parameter does not exist (infra owns its existence), a
    Lambda function is missing, or it is a zip function rather than an image one.
    """


class NoPreviousTagError(BadInputError):
    """``rollback`` found no earlier tag in the parameter's history to return to."""


class NotPromotedStageError(BadInputError):
    """``promote`` in a stage whose manifest is not schema 3, or ``--from`` another stage;
    or ``release --tag``/``rollback``/``exists`` in a promoted stage (it builds nothing)."""


class TagNotReleasedError(BadInputError):
    """``promote``: the build stage did not release the tag (never, or its last release
    failed), or its parameter still holds the placeholder."""


class DigestMismatchError(BadInputError):
    """``promote``: the digest behind the tag is not ``--digest``, or not what the build
    stage's live targets run."""


class PromotionTagMovedError(DeployError):
    """A restore found the promotion tag on another digest than the one this promotion
    tagged: it is not this promotion's to remove, and is left alone."""

    def __init__(self, message: str, current: str) -> None:
        super().__init__(message)
        self.current = current


class LockTableNotFoundError(BadInputError):
    """The DynamoDB table a schema-4 manifest names for its locks does not exist here.

    The infra stack that publishes schema 4 creates it; nothing was changed.
    """


class LockHeldError(DeployError):
    """Another release of this image holds its release lock. Nothing was changed.

    The message names the holder (host, process, CodeBuild build) and when it started.
    """

    exit_code = 4


class ManifestChangedError(LockHeldError):
    """The deploy manifest changed while a release waited for the SSM lock (schemas 1 to
    3): the lock was given back, nothing was changed. The command starts over with the
    new manifest (``app.deploy.recheck``), and fails with this only after its restarts."""

    def __init__(self, message: str, image: str) -> None:
        super().__init__(message)
        self.image = image


class AwsAccessError(DeployError):
    """AWS could not be asked, so nothing was changed and no answer is known.

    No region, no credentials, access denied, or the endpoint cannot be reached;
    for ``exists``, also any error that left the question unanswered, so that exit
    code 1 only ever means "the tag is not there".
    """

    exit_code = 5


class InterruptedBySignalError(DeployError):
    """SIGINT or SIGTERM stopped the tool before it changed anything.

    Inside a release this is a cause like any other: the release restores and the
    caller sees ``ReleaseFailedError`` or ``RestoreFailedError`` instead.
    """

    exit_code = 130

    def __init__(self, signal_name: str) -> None:
        self.signal_name = signal_name
        super().__init__(f"interrupted by {signal_name}")


class TargetUpdateError(DeployError):
    """One or more targets could not be moved to the new image.

    Raised inside a release and answered by restoring; callers see it as the
    ``__cause__`` of ``ReleaseFailedError`` or ``RestoreFailedError``.
    """

    def __init__(self, failures: Sequence[str]) -> None:
        self.failures = list(failures)
        super().__init__("; ".join(self.failures))


class RevisionConflictError(DeployError):
    """A function changed since this release read it (its ``RevisionId`` moved on).

    The update or restore is refused by Lambda and the tool does not retry it: the
    change belongs to someone else and is reported, never overwritten.
    """


class ReleaseFailedError(DeployError):
    """The release failed, and every change it had made was undone."""

    exit_code = 1

    def __init__(self, message: str, restored: Sequence[str]) -> None:
        self.restored = list(restored)
        super().__init__(message)


class RestoreFailedError(DeployError):
    """The release failed and restoring failed too: ``needs_attention`` lists what to fix."""

    exit_code = 3

    def __init__(self, message: str, needs_attention: Sequence[str], restored: Sequence[str]):
        self.needs_attention = list(needs_attention)
        self.restored = list(restored)
        super().__init__(message)


class DigestNotPresentError(ReleaseFailedError):
    """``promote``: the digest did not become readable where this stage reads it within
    ``--replication-wait``; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, restored=[])
