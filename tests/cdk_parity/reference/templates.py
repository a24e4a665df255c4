"""What the reference's template tests share: the example stacks' names, and lookups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk.assertions import Match, Template

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEV = "container-delivery-dev"
PROD = "container-delivery-prod"
#: Elastic Load Balancing's recommended TLS 1.3 policy (ELB docs, "Security policies").
TLS13_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def logical_id(template: Template, typ: str, props: dict[str, Any]) -> str:
    found = template.find_resources(typ, {"Properties": Match.object_like(props)})
    assert len(found) == 1, f"expected one {typ} with {props}, found {sorted(found)}"
    return next(iter(found))


def tag_parameter_ref(template: Template, image: str) -> dict[str, str]:
    """``{"Ref": <logical id>}`` of the deploy-time SSM-typed template parameter of an image."""
    parameters = template.find_parameters(
        "*",
        {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": f"/container-delivery/dev/images/{image}/tag",
        },
    )
    assert len(parameters) == 1, parameters
    return {"Ref": next(iter(parameters))}
