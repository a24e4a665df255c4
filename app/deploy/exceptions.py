"""Failures of the release tool, one class per thing a caller can act on.

Each class carries the process exit code the CLI maps it to:

* 2, ``BadInputError``: the request cannot be carried out as given; nothing was touched.
* 1, ``ReleaseFailedError``: the release failed and everything it changed was restored.
* 3, ``RestoreFailedError``: the release failed and so did restoring; ``needs_attention``
  names each resource a person must fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar


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


class TargetUpdateError(DeployError):
    """One or more targets could not be moved to the new image.

    Raised inside a release and answered by restoring; callers see it as the
    ``__cause__`` of ``ReleaseFailedError`` or ``RestoreFailedError``.
    """

    def __init__(self, failures: Sequence[str]) -> None:
        self.failures = list(failures)
        super().__init__("; ".join(self.failures))


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
