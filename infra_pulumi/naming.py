"""Physical names and parameter paths, derived from the project and stack names.

Every physical name carries ``<project>-<stack>`` so several stacks can live in
one account; every parameter lives under ``/<project>/<stack>/``. The app side
never derives these itself: it reads them from the deploy-target manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The tag of the placeholder image pushed once for the first deploy (talk, point 4).
#: It starts with a letter that is not a hex digit, so it can never be mistaken for a
#: commit tag, and the ECR lifecycle rule (which only matches hex prefixes) never
#: expires it.
PLACEHOLDER_TAG = "initial"

#: The images this stack builds repositories, parameters and manifest entries for.
IMAGES: tuple[str, ...] = ("lambda", "web")

_COMMIT_TAG = re.compile(r"[0-9a-f]{7,40}")
_PHYSICAL = re.compile(r"[a-z0-9][a-z0-9-]*")


def is_valid_tag(value: str) -> bool:
    """A commit tag (7 to 40 lowercase hex characters) or the placeholder tag."""
    return value == PLACEHOLDER_TAG or _COMMIT_TAG.fullmatch(value) is not None


def is_commit_tag(value: str) -> bool:
    """7 to 40 lowercase hex characters: what the app pipeline pushes."""
    return _COMMIT_TAG.fullmatch(value) is not None


def is_valid_physical_prefix(value: str) -> bool:
    """Lowercase letters, digits and hyphens: valid in ECR, IAM, Lambda and log group names."""
    return _PHYSICAL.fullmatch(value) is not None


@dataclass(frozen=True)
class Naming:
    """Names for one stack of the project."""

    project: str
    stack: str

    @property
    def prefix(self) -> str:
        """The physical-name prefix, ``<project>-<stack>``."""
        return f"{self.project}-{self.stack}"

    @property
    def parameter_root(self) -> str:
        """The SSM path every parameter of this stack lives under."""
        return f"/{self.project}/{self.stack}"

    def repository(self, image: str) -> str:
        """ECR repository name of an image."""
        return f"{self.prefix}-{image}"

    def tag_parameter(self, image: str) -> str:
        """SSM parameter holding the released tag of an image (infra owns it, app writes it)."""
        return f"{self.parameter_root}/images/{image}/tag"

    @property
    def manifest_parameter(self) -> str:
        """SSM parameter holding the deploy-target manifest."""
        return f"{self.parameter_root}/deploy-manifest"

    def function(self, short_name: str) -> str:
        """Physical Lambda function name."""
        return f"{self.prefix}-{short_name}"

    def function_role(self, short_name: str) -> str:
        """Execution role name of a Lambda function."""
        return f"{self.prefix}-{short_name}-exec"

    # --- The ECS web service ---------------------------------------------------------

    @property
    def cluster(self) -> str:
        return self.prefix

    @property
    def web_service(self) -> str:
        """ECS service name, task definition family and execution role stem."""
        return f"{self.prefix}-web"

    @property
    def load_balancer(self) -> str:
        """ALB name; AWS allows 32 characters."""
        return f"{self.prefix}-web"

    def target_group(self, port: int) -> str:
        """Target group name; the port is part of it so a port change can replace it in place."""
        return f"{self.prefix}-{port}"
