"""Container image references as Docker reads them: ``[registry/]repository[:tag][@digest]``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guardrails._common import as_json

LAMBDA_FUNCTION = "aws:lambda/function:Function"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


@dataclass(frozen=True)
class ImageReference:
    """One image reference, split the way the Docker distribution reference grammar does."""

    text: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None


def parse(text: str) -> ImageReference:
    """The first path component is a registry only when it looks like a host (a dot, a
    port or ``localhost``); otherwise the image is on Docker Hub (``docker.io``)."""
    rest, _, digest = text.partition("@")
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    last = path.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        path, _, tag = path.rpartition(":")
    return ImageReference(text, registry, path, tag or None, digest or None)


def images(resource_type: str, props: Any) -> list[tuple[str, str]]:
    """``(where, image)`` for every image a Lambda function or ECS task definition runs."""
    if resource_type == LAMBDA_FUNCTION:
        if props.get("packageType") != "Image" or "imageUri" not in props:
            return []
        return [("imageUri", str(props["imageUri"]))]
    if resource_type == TASK_DEFINITION:
        found = []
        for container in as_json(props.get("containerDefinitions")) or []:
            if isinstance(container, Mapping) and "image" in container:
                name = container.get("name", "?")
                found.append((f"container {name}", str(container["image"])))
        return found
    return []
