"""SSM parameters: the image-tag parameters and the deploy-target manifest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import RETAINING, json_or_value, on_delete
from cdk_parity.compare.model import Resource

#: Values an image-tag (or a promoted stage's image-digest) pattern is tried on: what it
#: must take (the placeholder, short and full commit hashes, an image digest) and what it
#: must refuse (too short or long, upper case, ``latest``, other words, suffixes and
#: prefixes an unanchored pattern would let in, a digest of the wrong length or case).
TAG_PROBES = (
    "initial",
    "0a1b2c3",
    "0a1b2c3d4e5f",
    "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
    "0a1b2c",
    "0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    "0A1B2C3",
    "latest",
    "release",
    "initial-2",
    "x0a1b2c3",
    "0a1b2c3-dirty",
    "v1.2.3",
    "",
    "sha256:" + "0a1b2c3d" * 8,
    "sha256:" + "0a1b2c3d" * 8 + "e",
    "sha256:" + "0A1B2C3D" * 8,
    "sha256:0a1b2c3",
)


def accepted(pattern: str | None) -> list[str] | None:
    """The probes SSM would store under ``pattern`` (a search, as SSM applies it)."""
    if pattern is None:
        return None
    compiled = re.compile(pattern)
    return [p if p else "(empty)" for p in TAG_PROBES if compiled.search(p)]


def _props(
    kind: Any, tier: Any, value: Any, pattern: str | None, *, protected: bool, retained: bool
) -> dict[str, Any]:
    return {
        "type": kind,
        "tier": tier,
        "value": json_or_value(value),
        "acceptedValues": accepted(pattern),
        "onDelete": on_delete(
            protected=protected, retained=retained, emptied=False, holds_data=False
        ),
    }


class SsmParameter(Kind):
    """Type, tier, value (the manifest parsed as JSON), what its pattern lets in, and what
    deleting the stack does to it.

    The pattern is compared by what it accepts of ``TAG_PROBES``, so two spellings of
    one rule are the same; its text is kept as a note.
    """

    name = "ssm-parameter"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for param in plan.of("aws:ssm/parameter:Parameter"):
            inputs = param.inputs
            value = inputs.get("insecureValue", inputs.get("value"))
            pattern = inputs.get("allowedPattern")
            props = _props(
                inputs.get("type"),
                inputs.get("tier"),
                value,
                pattern,
                protected=param.protect,
                retained=param.retain_on_delete,
            )
            entry = plan.resource(self.name, inputs["name"], props, param)
            yield entry.noted(allowedPattern=pattern)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::SSM::Parameter"):
            pattern = props.get("AllowedPattern")
            normalised = _props(
                props.get("Type"),
                props.get("Tier"),
                props.get("Value"),
                pattern,
                protected=False,
                retained=template.resources[logical].get("DeletionPolicy") in RETAINING,
            )
            entry = template.resource(self.name, props.get("Name", logical), normalised, logical)
            yield entry.noted(allowedPattern=pattern)
