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

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.naming import IMAGES, Naming, is_commit_tag, is_digest, promotion_tag


@dataclass(frozen=True)
class BuildStageRef:
    """What the stack file says of the build stage: its stack and account (if set)."""

    stack: str
    account: str | None


def build_stage_of(config: Mapping[str, str], project: str) -> BuildStageRef | None:
    """The ``promoteFrom`` of a stack file's config (as ``stack_config`` returns it)."""
    import json

    text = config.get(f"{project}:promoteFrom")
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict) or not isinstance(value.get("stack"), str):
        return None  # the program's config check reports it, naming the key
    account = value.get("account")
    return BuildStageRef(value["stack"], account if isinstance(account, str) else None)


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
    source: BuildStageRef,
    account: str,
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
    source_naming = Naming(naming.project, source.stack)
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
        registry = source.account or account
        answers.images[(registry, source_naming.repository(image), digest)] = [
            tag,
            promotion_tag(naming.stack, tag),
        ]
    return answers
