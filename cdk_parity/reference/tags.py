"""Image tags as the talk defines them: a commit hash prefix, or the ``initial`` placeholder.

The talk (points 4 and 5) tags app images with the first characters of the commit hash
and pushes one placeholder, tagged ``initial``, for the first deploy. The tag contract
between the two repositories (docs/app-release.md) allows 7 to 40 lowercase hex characters.
"""

from __future__ import annotations

import re

#: The placeholder image's tag (talk, point 4). Not hex, so never mistaken for a commit.
PLACEHOLDER_TAG = "initial"

#: The images the talk's architecture builds: the Lambda image and the web (ECS) image.
IMAGES: tuple[str, ...] = ("lambda", "web")

#: SSM ``AllowedPattern`` of an image-tag parameter: SSM itself refuses anything else.
TAG_PATTERN = r"^(initial|[0-9a-f]{7,40})$"

_TAG = re.compile(TAG_PATTERN)


def is_valid_tag(value: str) -> bool:
    """A commit tag (7 to 40 lowercase hex characters) or the placeholder tag."""
    return _TAG.fullmatch(value) is not None
