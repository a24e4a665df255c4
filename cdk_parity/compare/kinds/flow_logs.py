"""VPC flow logs: what is captured, where it goes, and the role that delivers it.

There is one VPC, so a flow log of it is keyed ``vpc``. The destination is named by its
log group, the delivery role by its name, however each side writes the ARN.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.model import Resource


def _log_group(destination: Any) -> str | None:
    """A CloudWatch Logs group's name from its name or ARN (with or without ``:*``)."""
    if destination is None:
        return None
    text = str(destination)
    if ":log-group:" in text:
        text = text.split(":log-group:", 1)[1].removesuffix(":*")
    return text


def _role(arn: Any) -> str | None:
    return str(arn).rsplit("role/", 1)[-1] if arn is not None else None


def _props(
    traffic: Any, destination_type: Any, log_group: Any, role: Any, interval: Any
) -> dict[str, Any]:
    return {
        "trafficType": traffic,
        "destinationType": destination_type,
        "logGroup": _log_group(log_group),
        "deliveryRole": _role(role),
        "maxAggregationSeconds": interval,
    }


class FlowLog(Kind):
    """Traffic type, destination (type and log group), delivery role, aggregation interval."""

    name = "flow-log"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for log in plan.of("aws:ec2/flowLog:FlowLog"):
            inputs = log.inputs
            props = _props(
                inputs.get("trafficType"),
                inputs.get("logDestinationType"),
                inputs.get("logDestination") or inputs.get("logGroupName"),
                inputs.get("iamRoleArn"),
                inputs.get("maxAggregationInterval"),
            )
            yield plan.resource(self.name, "vpc" if inputs.get("vpcId") else log.name, props, log)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::EC2::FlowLog"):
            normalised = _props(
                props.get("TrafficType"),
                props.get("LogDestinationType"),
                props.get("LogGroupName") or props.get("LogDestination"),
                props.get("DeliverLogsPermissionArn"),
                props.get("MaxAggregationInterval"),
            )
            key = "vpc" if props.get("ResourceType") == "VPC" else logical
            yield template.resource(self.name, key, normalised, logical)
