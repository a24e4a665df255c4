"""SSM parameters: the image-tag parameters and the deploy-target manifest."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import json_or_value
from cdk_parity.compare.model import Resource


class SsmParameter(Kind):
    """Type, tier, value (the manifest parsed as JSON) and the allowed pattern."""

    name = "ssm-parameter"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for param in plan.of("aws:ssm/parameter:Parameter"):
            inputs = param.inputs
            props = {
                "type": inputs.get("type"),
                "tier": inputs.get("tier"),
                "value": json_or_value(inputs.get("insecureValue", inputs.get("value"))),
                "allowedPattern": inputs.get("allowedPattern"),
            }
            yield plan.resource(self.name, inputs["name"], props, param)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::SSM::Parameter"):
            normalised = {
                "type": props.get("Type"),
                "tier": props.get("Tier"),
                "value": json_or_value(props.get("Value")),
                "allowedPattern": props.get("AllowedPattern"),
            }
            yield template.resource(self.name, props.get("Name", logical), normalised, logical)
