"""Resolve each image's tag at program time, with the first-deploy fallback.

This is the Pulumi answer to the talk's points 6 to 8. The CDK original reads the
tag with ``valueForStringParameter``, which CloudFormation resolves at deploy time,
so a missing parameter fails the first deploy with no way to handle it. A Pulumi
program runs Python in both ``pulumi preview`` and ``pulumi up``, so the synchronous
``aws.ssm.get_parameter`` invoke can be wrapped in ``try/except``:

- parameter not found: use the placeholder tag and warn, unless the stack requires a
  release or a live target already runs a released image (then fail, never roll back);
- parameter holds the placeholder tag while a live target runs a released image: fail;
- any other failure: fail with ``TagLookupError``; never fall back;
- a malformed value: fail with ``InvalidTagError``.

A promoted stage (README, "Build once, promote") also reads its digest parameter: once it
holds a digest, targets run ``<build stage's repository>@<digest>``, checked first in that
repository (the digest exists and carries the recorded tag); until then, the placeholder,
with the same guard, which counts every digest of the build stage's repository as a
release. A recorded tag without a digest is refused: a promoted stage never runs a tag.

While a target runs the placeholder, it is pinned by digest (``repo@sha256:...``), so a
re-pushed placeholder reaches it (the text ``repo:initial`` would not change, and the old
digest would be left untagged and expire). The regression guard therefore asks ECR what a
digest-pinned target runs: a digest that carries a commit tag is a release; one that
carries only ``initial``, no tag, or no longer exists is the placeholder.

``get_parameter_output`` would carry its error inside an ``Output`` instead, where a
``try/except`` cannot see it, which is why the synchronous form is used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import pulumi
import pulumi_aws as aws

from infra_pulumi import engine_errors
from infra_pulumi.exceptions import (
    InvalidDigestError,
    InvalidTagError,
    LiveTargetLookupError,
    PromotionStateError,
    RegressionError,
    ReleaseRequiredError,
    TagLookupError,
)
from infra_pulumi.naming import (
    LIVE_ALIAS,
    NO_DIGEST,
    PLACEHOLDER_TAG,
    is_commit_tag,
    is_digest,
    is_valid_tag,
)

TagSource = Literal["parameter", "placeholder", "promoted"]


@dataclass(frozen=True)
class LiveTarget:
    """Something that may already run an image: read it to guard against a rollback."""

    description: str
    """Human-readable name for error messages, e.g. ``Lambda function x-dev-api``."""
    read_image: Callable[[], str | None]
    """Returns the image the target runs now, or None if the target does not exist yet."""


@dataclass(frozen=True)
class TagQuery:
    """What to resolve: one image's tag parameter and how strict to be about it."""

    image: str
    """Image key in the manifest, e.g. ``lambda``."""
    parameter: str
    """Full SSM parameter name holding the released tag."""
    require_release: bool = False
    """Treat a missing parameter as an error (production stacks)."""
    live_targets: Sequence[LiveTarget] = field(default_factory=tuple)
    """Targets that must not be rolled back to the placeholder."""
    release_repositories: Sequence[str] = field(default_factory=tuple)
    """Repository URLs none of whose digests is a placeholder of this stack: a promoted
    stage's build stage's (see ``runs_a_release``)."""


@dataclass(frozen=True)
class Promotion:
    """Where a promoted stage's image comes from: its build stage's repository, by digest."""

    digest_parameter: str
    """This stage's ``/<project>/<stack>/images/<image>/digest``."""
    source_repository_url: str
    """``<build stage registry>/<repository>``, known from config and naming."""
    source_stack: str


@dataclass(frozen=True)
class ResolvedTag:
    """The tag the program will deploy, and where it came from."""

    image: str
    parameter: str
    tag: str
    source: TagSource
    digest: str | None = None
    """A promoted stage's recorded digest (``source`` is then ``promoted``)."""
    uri: str | None = None
    """What targets run when promoted: ``<build stage repository>@<digest>``."""


def read_parameter(name: str) -> str:
    """Read a String parameter through the provider; raises the engine's invoke error."""
    return aws.ssm.get_parameter(name=name).value


DigestTags = Callable[[str], "list[str] | None"]
"""Given ``repo@sha256:...``, the tags ECR has on that digest, or None if it is gone."""


def resolve_image_tag(
    query: TagQuery,
    read: Callable[[str], str] = read_parameter,
    digest_tags: DigestTags | None = None,
) -> ResolvedTag:
    """Resolve one image's tag; see the module docstring for the rules."""
    tags_of = digest_tags if digest_tags is not None else ecr_digest_tags
    try:
        value = read(query.parameter)
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if not engine_errors.is_not_found(exc):
            raise TagLookupError(query.parameter, engine_errors.describe(exc)) from exc
        return _fallback(query, tags_of)

    if not is_valid_tag(value):
        raise InvalidTagError(query.parameter, value, PLACEHOLDER_TAG)
    if value == PLACEHOLDER_TAG:
        # The parameter still holds the value infra created it with: no release was
        # recorded. A target that already runs a release must not go back to it.
        _guard_against_rollback(query, tags_of)
    return ResolvedTag(query.image, query.parameter, value, "parameter")


def runs_a_release(
    image: str, digest_tags: DigestTags, release_repositories: Sequence[str] = ()
) -> bool:
    """Whether a target running ``image`` runs a released image (not the placeholder).

    ``repo:<tag>`` is a release unless the tag is the placeholder's. ``repo@sha256:...``
    is how this program pins the placeholder; ECR says whether that digest carries a
    commit tag. Anything else (no tag at all) counts as a release: when in doubt, the
    guard stops the deploy rather than risk a rollback.

    A digest in one of ``release_repositories`` (a promoted stage's build stage's, read
    across accounts) is a release unless ECR says it carries the placeholder tag and
    nothing else: this stage's placeholder is never there, and a promoted digest whose
    tags were removed, or that expired, is still what the target runs.
    """
    tag = image_tag(image)
    if tag is not None:
        return tag != PLACEHOLDER_TAG
    if "@" in image:
        tags = digest_tags(image)
        if image.split("@", 1)[0] in release_repositories:
            return tags is None or set(tags) != {PLACEHOLDER_TAG}
        return tags is not None and any(is_commit_tag(t) for t in tags)
    return True


def _guard_against_rollback(query: TagQuery, digest_tags: DigestTags) -> None:
    for target in query.live_targets:
        running = target.read_image()
        if running is not None and runs_a_release(running, digest_tags, query.release_repositories):
            raise RegressionError(query.parameter, target.description, running)


def resolve_promoted_image(
    query: TagQuery,
    promotion: Promotion,
    read: Callable[[str], str] = read_parameter,
    digest_tags: DigestTags | None = None,
) -> ResolvedTag:
    """A promoted stage's image: the recorded digest from its build stage, or the placeholder.

    The digest parameter first: missing or ``initial`` means nothing was promoted, and
    the tag parameter then resolves exactly as in a build stage, with the guard; a recorded
    commit tag without a digest is refused. With a digest, the tag parameter must record
    the tag it was promoted with, and the build stage's repository must hold that digest
    with that tag: the preview says so before any target would fail to pull it.
    """
    tags_of = digest_tags if digest_tags is not None else ecr_digest_tags
    source = replace(query, release_repositories=[promotion.source_repository_url])
    digest = _read_digest(promotion.digest_parameter, read)
    if digest is None:
        resolved = resolve_image_tag(source, read, tags_of)
        if resolved.tag != PLACEHOLDER_TAG:
            raise PromotionStateError(
                f"image-tag parameter {query.parameter} records {resolved.tag!r}, but "
                f"image-digest parameter {promotion.digest_parameter} records no promoted "
                "digest: this stage builds nothing and runs only a digest promoted from "
                f"stack {promotion.source_stack}, never a tag",
                f"Promote that tag (python -m app.deploy promote --image {query.image} "
                f"--from {promotion.source_stack} --tag {resolved.tag}), which records both.",
            )
        return resolved
    tag = _recorded_tag(query, promotion, digest, read)
    uri = f"{promotion.source_repository_url}@{digest}"
    found = tags_of(uri)
    if found is None or tag not in found:
        where = "is not in" if found is None else f"carries {sorted(found)}, not {tag!r}, in"
        raise PromotionStateError(
            f"the promoted digest {digest} (image-digest parameter "
            f"{promotion.digest_parameter}) {where} stack {promotion.source_stack}'s "
            f"repository {promotion.source_repository_url}",
            f"Promote a tag that stack {promotion.source_stack} released (python -m "
            f"app.deploy promote --image {query.image} --from {promotion.source_stack}), "
            "which records the tag and the digest behind it.",
        )
    return ResolvedTag(query.image, query.parameter, tag, "promoted", digest=digest, uri=uri)


def _read_digest(parameter: str, read: Callable[[str], str]) -> str | None:
    """The recorded digest; None for a parameter not created yet or holding ``initial``."""
    try:
        value = read(parameter)
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if engine_errors.is_not_found(exc):
            return None
        raise TagLookupError(parameter, engine_errors.describe(exc)) from exc
    if value == NO_DIGEST:
        return None
    if not is_digest(value):
        raise InvalidDigestError(parameter, value)
    return value


def _recorded_tag(
    query: TagQuery, promotion: Promotion, digest: str, read: Callable[[str], str]
) -> str:
    """The commit tag recorded with a promoted digest."""
    try:
        value = read(query.parameter)
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if not engine_errors.is_not_found(exc):
            raise TagLookupError(query.parameter, engine_errors.describe(exc)) from exc
        value = None
    if value is not None and not is_valid_tag(value):
        raise InvalidTagError(query.parameter, value, PLACEHOLDER_TAG)
    if value is None or not is_commit_tag(value):
        raise PromotionStateError(
            f"image-digest parameter {promotion.digest_parameter} records {digest}, but "
            f"image-tag parameter {query.parameter} "
            + ("does not exist" if value is None else f"holds {value!r}")
            + ": the promote command records the tag with the digest",
            f"Promote again (python -m app.deploy promote --image {query.image} --from "
            f"{promotion.source_stack}), which records both.",
        )
    return value


def _fallback(query: TagQuery, digest_tags: DigestTags) -> ResolvedTag:
    if query.require_release:
        raise ReleaseRequiredError(query.parameter)
    _guard_against_rollback(query, digest_tags)
    pulumi.log.warn(
        f"image-tag parameter {query.parameter} does not exist yet: deploying the "
        f"{query.image} image with the placeholder tag {PLACEHOLDER_TAG!r}. "
        "This is expected on the first deploy; the app pipeline's first release replaces it."
    )
    return ResolvedTag(query.image, query.parameter, PLACEHOLDER_TAG, "placeholder")


def image_tag(image_uri: str) -> str | None:
    """The tag of ``repo:tag``; None for a digest reference (``repo@sha256:...``) or no tag."""
    if "@" in image_uri:
        return None
    last = image_uri.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def ecr_digest_tags(image: str) -> list[str] | None:
    """The tags ECR has on a ``<registry>/<repository>@sha256:...`` image; None if gone."""
    location, digest = image.split("@", 1)
    registry, _, repository = location.partition("/")
    try:
        found = aws.ecr.get_image(
            registry_id=registry.split(".", 1)[0],
            repository_name=repository,
            image_digest=digest,
        )
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if engine_errors.is_not_found(exc):
            return None
        raise LiveTargetLookupError(f"ECR image {image}", engine_errors.describe(exc)) from exc
    return list(found.image_tags or [])


def live_lambda_image(function_name: str) -> str | None:
    """The image a Lambda function's ``live`` alias serves, or None if the function does not
    exist yet.

    Invokers call the alias, so the alias is what a rollback would hurt: ``$LATEST`` may
    hold a configuration change not shifted yet, or the placeholder a ``pulumi up`` put
    there, while the alias still serves a release. ``getFunction`` with the qualifier
    ``live`` is Lambda's own resolution of the alias: the configuration and image of the
    version the alias points at (its primary version; while CodeDeploy shifts traffic, the
    new version's weight is not in this answer, and the alias's primary is what it served
    before the shift). One call on the alias's ARN keeps the readers' IAM grant exact: a
    version-qualified call would need ``<function>:*``, since version numbers are not known
    in advance (Lambda authorizes a qualified call against the qualified ARN).

    A function with no alias yet was deployed before the alias existed: what it runs is
    ``$LATEST`` (nothing was published), read as before. Both reads are classified like
    the parameter lookup: only "not found" means "not there".
    """
    target = f"Lambda function {function_name}"
    try:
        found = aws.lambda_.get_function(function_name=function_name, qualifier=LIVE_ALIAS)
        return found.image_uri or None
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if not engine_errors.is_not_found(exc):
            raise LiveTargetLookupError(
                f"{target} (alias {LIVE_ALIAS})", engine_errors.describe(exc)
            ) from exc
    try:
        return aws.lambda_.get_function(function_name=function_name).image_uri or None
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if engine_errors.is_not_found(exc):
            return None
        raise LiveTargetLookupError(target, engine_errors.describe(exc)) from exc


def lambda_target(function_name: str) -> LiveTarget:
    """A Lambda function's ``live`` alias as a live target of the regression guard."""
    return LiveTarget(
        description=f"Lambda function {function_name} (alias {LIVE_ALIAS})",
        read_image=lambda: live_lambda_image(function_name),
    )


def live_ecs_image(cluster_arn: str, service_name: str, container: str) -> str | None:
    """The image an ECS service's container runs now, or None if the service does not exist.

    The service's current task definition is what the app pipeline last rolled out
    (through ``imagedefinitions.json``), so this sees releases Pulumi did not make.
    """
    target = f"ECS service {service_name}"
    try:
        service = aws.ecs.get_service(cluster_arn=cluster_arn, service_name=service_name)
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if engine_errors.is_not_found(exc):
            return None
        raise LiveTargetLookupError(target, engine_errors.describe(exc)) from exc
    try:
        task_definition = aws.ecs.get_task_definition(task_definition=service.task_definition)
    except Exception as exc:  # a running service's task definition must be readable
        raise LiveTargetLookupError(target, engine_errors.describe(exc)) from exc
    for definition in json.loads(task_definition.container_definitions or "[]"):
        if definition.get("name") == container:
            image = definition.get("image")
            return str(image) if image else None
    return None


def ecs_target(cluster_arn: str, service_name: str, container: str) -> LiveTarget:
    """An ECS service's container as a live target of the regression guard."""
    return LiveTarget(
        description=f"ECS service {service_name} (container {container})",
        read_image=lambda: live_ecs_image(cluster_arn, service_name, container),
    )


def image_uri(
    repository_url: pulumi.Input[str],
    resolved: ResolvedTag,
    placeholder_digest: pulumi.Input[str],
) -> pulumi.Output[str]:
    """What targets run: ``<repository>:<tag>`` for a release (a resolved, validated tag,
    never ``latest``), or the placeholder pinned by digest (``<repository>@sha256:...``);
    in a promoted stage, the build stage's repository at the promoted digest."""
    if resolved.uri is not None:
        return pulumi.Output.from_input(resolved.uri)
    if resolved.tag == PLACEHOLDER_TAG:
        return pulumi.Output.from_input(placeholder_digest)
    return pulumi.Output.concat(repository_url, ":", resolved.tag)
