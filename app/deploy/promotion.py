"""What a promotion promotes, decided from the build stage's records: pure, no AWS.

The build stage released a tag successfully when it is the tag its parameter records,
or a value in the parameter's history, and the newest version holding it is not one
the failed-release record lists (a tag whose last release failed, e.g. stopped by an
alarm, is refused even if an earlier release of it went through). The promotion tag
``promoted-<stage>-<commit tag>`` marks the digest in the build stage's repository.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from app.deploy.exceptions import BadInputError, TagNotReleasedError
from app.deploy.shell import shell_command

if TYPE_CHECKING:
    from app.deploy.records import Version
    from app.deploy.schemas import StageSource

PROMOTION_TAG_PREFIX = "promoted-"
"""The build stage's lifecycle policy keeps images with a tag of this prefix."""
MAX_IMAGE_TAG_LENGTH = 128
"""Docker's (and so ECR's, for a pushed tag) limit on an image tag: 128 characters."""
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
"""What a digest parameter holds once released (the infra stack's allowed pattern)."""


class Chosen(msgspec.Struct, frozen=True):
    """The tag and digest a promotion moves into this stage, and where they come from."""

    source: StageSource
    tag: str
    digest: str
    promotion_tag: str
    current: bool
    """True when ``tag`` is what the build stage records now (its targets run it)."""
    notes: tuple[str, ...] = ()


def promotion_tag(stage: str, tag: str) -> str:
    """``promoted-<stage>-<tag>``; refused (bad input) beyond an image tag's 128 characters."""
    name = f"{PROMOTION_TAG_PREFIX}{stage}-{tag}"
    if len(name) > MAX_IMAGE_TAG_LENGTH:
        raise BadInputError(
            f"promotion tag {name!r} is {len(name)} characters; an image tag has at most "
            f"{MAX_IMAGE_TAG_LENGTH}. Use a shorter commit tag (7 characters) or stack name"
        )
    return name


def choose_tag(
    source: str,
    image_name: str,
    placeholder: str,
    history: Sequence[Version],
    failed: set[int],
    tag: str | None,
) -> tuple[str, bool]:
    """The tag to promote (``tag``, or else the build stage's recorded one) and whether it
    is the recorded one; ``TagNotReleasedError`` if the build stage did not release it."""
    parameter_history = sorted(history, key=lambda v: v.version)
    recorded = parameter_history[-1].value
    wanted = recorded if tag is None else tag
    where = f"stage {source}'s tag parameter for image {image_name}"
    if wanted == placeholder:
        raise TagNotReleasedError(
            f"{where} holds the placeholder {placeholder!r}: nothing was released there yet, "
            "so there is nothing to promote; release a tag there first"
        )
    holding = [v for v in parameter_history if v.value == wanted]
    if not holding:
        listed = ", ".join(sorted({v.value for v in parameter_history} - {placeholder}))
        raise TagNotReleasedError(
            f"tag {wanted} was never released in {source}: it is neither the tag {where} "
            f"records ({recorded}) nor in its history ({listed or 'no other tag'}); promote a "
            f"tag {source} released, e.g. "
            + shell_command("python", "-m", "app.deploy", "promote", "--image", image_name,
                            "--from", source, "--tag", recorded)
        )  # fmt: skip
    newest = holding[-1]
    if newest.version in failed:
        raise TagNotReleasedError(
            f"tag {wanted}'s last release in {source} failed (version {newest.version} of "
            f"{where} is in its failed-release record), so it is not promoted; release it in "
            f"{source} again, or promote another tag"
        )
    return wanted, newest.version == parameter_history[-1].version


def digest_problem(digest: str) -> str | None:
    """Why ``digest`` is not a sha256 image digest, or None."""
    if DIGEST.fullmatch(digest):
        return None
    return "must be sha256: followed by 64 lowercase hex characters"
