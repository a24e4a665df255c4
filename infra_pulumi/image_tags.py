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

``get_parameter_output`` would carry its error inside an ``Output`` instead, where a
``try/except`` cannot see it, which is why the synchronous form is used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from infra_pulumi import engine_errors
from infra_pulumi.exceptions import (
    InvalidTagError,
    LiveTargetLookupError,
    RegressionError,
    ReleaseRequiredError,
    TagLookupError,
)
from infra_pulumi.naming import PLACEHOLDER_TAG, is_valid_tag

TagSource = Literal["parameter", "placeholder"]


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


@dataclass(frozen=True)
class ResolvedTag:
    """The tag the program will deploy, and where it came from."""

    image: str
    parameter: str
    tag: str
    source: TagSource


def read_parameter(name: str) -> str:
    """Read a String parameter through the provider; raises the engine's invoke error."""
    return aws.ssm.get_parameter(name=name).value


def resolve_image_tag(
    query: TagQuery,
    read: Callable[[str], str] = read_parameter,
) -> ResolvedTag:
    """Resolve one image's tag; see the module docstring for the rules."""
    try:
        value = read(query.parameter)
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if not engine_errors.is_not_found(exc):
            raise TagLookupError(query.parameter, engine_errors.describe(exc)) from exc
        return _fallback(query)

    if not is_valid_tag(value):
        raise InvalidTagError(query.parameter, value, PLACEHOLDER_TAG)
    if value == PLACEHOLDER_TAG:
        # The parameter still holds the value infra created it with: no release was
        # recorded. A target that already runs a release must not go back to it.
        _guard_against_rollback(query)
    return ResolvedTag(query.image, query.parameter, value, "parameter")


def _guard_against_rollback(query: TagQuery) -> None:
    for target in query.live_targets:
        running = target.read_image()
        if running is not None and image_tag(running) != PLACEHOLDER_TAG:
            raise RegressionError(query.parameter, target.description, running)


def _fallback(query: TagQuery) -> ResolvedTag:
    if query.require_release:
        raise ReleaseRequiredError(query.parameter)
    _guard_against_rollback(query)
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


def live_lambda_image(function_name: str) -> str | None:
    """The image a Lambda function runs now, or None if it does not exist yet.

    Read through the provider's ``getFunction`` invoke and classified exactly like
    the parameter lookup: only "not found" means "no function yet".
    """
    try:
        return aws.lambda_.get_function(function_name=function_name).image_uri or None
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if engine_errors.is_not_found(exc):
            return None
        raise LiveTargetLookupError(
            f"Lambda function {function_name}", engine_errors.describe(exc)
        ) from exc


def lambda_target(function_name: str) -> LiveTarget:
    """A Lambda function as a live target of the regression guard."""
    return LiveTarget(
        description=f"Lambda function {function_name}",
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


def image_uri(repository_url: pulumi.Input[str], resolved: ResolvedTag) -> pulumi.Output[str]:
    """``<repository>:<tag>``; the tag is always a resolved, validated one, never ``latest``."""
    return pulumi.Output.concat(repository_url, ":", resolved.tag)
