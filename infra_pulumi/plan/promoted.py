"""Planning a promoted stage offline: its digest parameters, and its build stage's images.

A promoted stage runs ``<build stage repository>@<digest>`` once promoted, and checks
first that the build stage's repository holds that digest with the recorded tag. To plan
it as promoted, the offline plan answers the digest parameters (``--promoted DIGEST``, or
an example digest derived from the tag, labelled as such) and answers the build stage's
repository as holding each digest with the tags a promotion leaves: the commit tag and
``promoted-<stage>-<tag>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.naming import IMAGES, Naming, is_commit_tag, is_digest, promotion_tag
from infra_pulumi.plan.mocks import DEFAULT_REGION, EXAMPLE_ACCOUNT
from infra_pulumi.plan.runner import stack_config

if TYPE_CHECKING:
    from infra_pulumi.promotion import BuildStage


def build_stage_of(stack: str, project: str) -> BuildStage | None:
    """The build stage ``stack`` promotes from, as the program resolves it; None for a
    build stage.

    The stack file's config passes the program's own boundary first, as ``load_config``
    checks it (the provider's keys, then the project's), so a bad ``promoteFrom`` fails
    here with the program's message; ``promotion.build_stage`` then resolves it in the
    account and Region the mocks answer the program with.
    """
    # Imported here: the config model (pydantic) and the components (pulumi_aws) cost
    # about 0.1 s, which the program pays next anyway; --help and a bad option do not.
    from infra_pulumi.promotion import Place, build_stage
    from infra_pulumi.stack_config import parse_stack_values

    config = parse_stack_values(stack_config(stack), project, stack)
    if config.promote_from is None:
        return None
    place = Place("aws", EXAMPLE_ACCOUNT, config.region or DEFAULT_REGION)
    return build_stage(project, config.promote_from, place)


def example_digest(image: str, tag: str) -> str:
    """A stand-in digest for planning: the same for the same image and tag, never a real one."""
    return "sha256:" + hashlib.sha256(f"offline plan {image}:{tag}".encode()).hexdigest()


def digest_option(text: str) -> tuple[str | None, str]:
    """``--promoted``: ``DIGEST`` (every image) or ``IMAGE=DIGEST``."""
    image, sep, digest = text.rpartition("=") if "=" in text else (None, "", text)
    if sep and image not in IMAGES:
        raise ValueError(f"expected IMAGE=DIGEST with IMAGE one of {', '.join(IMAGES)}")
    if not is_digest(digest):
        raise ValueError(
            f"{digest!r} is not an image digest: expected sha256: and 64 lowercase hex "
            "characters, as `aws ecr describe-images` prints imageDigest"
        )
    return image, digest


@dataclass
class PromotedAnswers:
    """The digest parameters' values, where each came from, and the build stage's images."""

    digests: dict[str, str] = field(default_factory=dict)
    """Digest parameter name -> value."""
    origins: dict[str, str] = field(default_factory=dict)
    images: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    """``(registry id, repository, digest) -> tags`` the build stage's repository holds."""


def promoted_answers(
    naming: Naming,
    source: BuildStage,
    tags: Mapping[str, str],
    promoted: Sequence[tuple[str | None, str]],
) -> PromotedAnswers:
    """Answers for a promoted stage whose tag parameters hold ``tags`` (image -> value).

    An image with a commit tag is planned as promoted: with the ``--promoted`` digest, or
    an example one. ``--promoted`` for an image without a commit tag is refused: the
    promote command records the tag with the digest, and the program refuses one without
    the other.
    """
    given = {image: digest for image, digest in promoted if image is not None}
    every = [digest for image, digest in promoted if image is None]
    answers = PromotedAnswers()
    for image in IMAGES:
        digest = given.get(image) or (every[-1] if every else None)
        tag = tags.get(image)
        if tag is None or not is_commit_tag(tag):
            if digest is not None:
                raise ConfigError(
                    f"--promoted {image}: a promoted digest needs the tag it was promoted "
                    "with; give it with --released TAG or --tag IMAGE=TAG"
                )
            continue
        origin = "--promoted"
        if digest is None:
            digest = example_digest(image, tag)
            origin = "example digest, derived from the tag (the real one: --promoted DIGEST)"
        answers.digests[naming.digest_parameter(image)] = digest
        answers.origins[image] = f"digest {digest[:19]}… from {origin}"
        answers.images[(source.place.account, source.repository_name(image), digest)] = [
            tag,
            promotion_tag(naming.stack, tag),
        ]
    return answers
