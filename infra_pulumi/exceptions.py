"""Failures of the infra program that a person can act on, one class each."""

from __future__ import annotations


class InfraError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(InfraError):
    """The stack config is missing a key or holds a value of the wrong shape.

    The message names the config key, the value seen and what was expected.
    """


class TagLookupError(InfraError):
    """Reading an image-tag parameter failed for a reason other than "not found".

    Access denied, throttling after the provider's retries, a network or region
    error: none of these may fall back to the placeholder, because a fallback on
    an auth error would roll a live stack back to the placeholder image.
    """

    def __init__(self, parameter: str, cause: str) -> None:
        self.parameter = parameter
        self.cause = cause
        super().__init__(
            f"could not read image-tag parameter {parameter}: {cause}\n"
            "Not falling back to the placeholder tag: only a missing parameter does that. "
            "Check the deploying role's ssm:GetParameter permission on this parameter, "
            "the region, and network access, then run again."
        )


class LiveTargetLookupError(InfraError):
    """Reading what a live target runs (for the regression guard) failed other than "not found"."""

    def __init__(self, target: str, cause: str) -> None:
        self.target = target
        self.cause = cause
        super().__init__(
            f"could not read the image {target} runs now: {cause}\n"
            "The regression guard needs it to make sure a missing tag parameter does not "
            "roll this target back to the placeholder. Check the deploying role's read "
            "permission on it, then run again."
        )


class InvalidTagError(InfraError):
    """An image-tag parameter holds a value that is neither a commit tag nor the placeholder."""

    def __init__(self, parameter: str, value: str, placeholder: str) -> None:
        self.parameter = parameter
        self.value = value
        super().__init__(
            f"image-tag parameter {parameter} holds {value!r}, which is not a valid image tag. "
            f"Expected 7 to 40 lowercase hex characters (a commit tag) or {placeholder!r}. "
            "Put a valid tag with the app release tool (python -m app.deploy release) "
            "or `aws ssm put-parameter --overwrite`."
        )


class ReleaseRequiredError(InfraError):
    """The stack requires a released tag (requireRelease: true) but the parameter is missing."""

    def __init__(self, parameter: str) -> None:
        self.parameter = parameter
        super().__init__(
            f"image-tag parameter {parameter} does not exist, and this stack sets "
            "requireRelease: true, so the placeholder tag is not allowed here. "
            "Release an image through the app pipeline first, or, for the very first "
            "deploy of this stack only, run with requireRelease set to false."
        )


class RegressionError(InfraError):
    """The tag parameter is missing, or still holds the placeholder, while a live target
    already runs a released image.

    Deploying the placeholder would roll that target back, so the program stops.
    """

    def __init__(self, parameter: str, target: str, running_image: str) -> None:
        self.parameter = parameter
        self.target = target
        self.running_image = running_image
        super().__init__(
            f"image-tag parameter {parameter} records no release (it is missing or holds "
            f"the placeholder tag), but {target} already runs {running_image}. Deploying "
            "the placeholder would roll it back, so nothing was changed. Restore the "
            "parameter to the released tag "
            f"(aws ssm put-parameter --name {parameter} --type String --overwrite "
            "--value <tag>) or release again from the app pipeline, then run again."
        )


class LookupFailedError(InfraError):
    """A provider lookup the program needs (other than the tag and live-target reads) failed."""

    def __init__(self, what: str, cause: str) -> None:
        self.what = what
        self.cause = cause
        super().__init__(
            f"could not look up {what}: {cause}\n"
            "Check the deploying role's permissions, the region and network access, then "
            "run again."
        )


class InvalidDigestError(InfraError):
    """A promoted stage's digest parameter holds neither an image digest nor ``initial``."""

    def __init__(self, parameter: str, value: str) -> None:
        self.parameter = parameter
        self.value = value
        super().__init__(
            f"image-digest parameter {parameter} holds {value!r}, which is not an image digest. "
            "Expected sha256: and 64 lowercase hex characters, or 'initial' (nothing promoted "
            "yet). Promote with python -m app.deploy promote, which records tag and digest "
            "together."
        )


class PromotionStateError(InfraError):
    """A promoted stage's tag and digest parameters disagree, or the recorded digest is not
    the build stage's image of the recorded tag.

    A promoted stage runs only a digest its build stage released, pinned by digest; with
    parameters that disagree there is nothing safe to run, so the program stops.
    """

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        super().__init__(f"{problem}. Nothing was changed. {fix}")
