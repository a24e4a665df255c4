"""The application load balancer, its target group and its listeners."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.model import Resource


class LoadBalancer(Kind):
    """Scheme, type, whether invalid header fields are dropped, and the key prefix its
    access logs are written under (None: not logged)."""

    name = "load-balancer"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for balancer in plan.of("aws:lb/loadBalancer:LoadBalancer"):
            inputs = balancer.inputs
            props = {
                "scheme": "internal" if inputs.get("internal") else "internet-facing",
                "type": inputs.get("loadBalancerType"),
                "dropInvalidHeaders": inputs.get("dropInvalidHeaderFields", False),
                "accessLogPrefix": (
                    inputs["accessLogs"].get("prefix", "")
                    if inputs.get("accessLogs", {}).get("enabled")
                    else None
                ),
            }
            yield plan.resource(self.name, inputs["name"], props, balancer)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ElasticLoadBalancingV2::LoadBalancer"):
            attributes = {a["Key"]: a["Value"] for a in props.get("LoadBalancerAttributes", [])}
            normalised = {
                "scheme": props.get("Scheme"),
                "type": props.get("Type"),
                "dropInvalidHeaders": attributes.get(
                    "routing.http.drop_invalid_header_fields.enabled"
                )
                == "true",
                "accessLogPrefix": (
                    attributes.get("access_logs.s3.prefix", "")
                    if attributes.get("access_logs.s3.enabled") == "true"
                    else None
                ),
            }
            yield template.resource(self.name, props.get("Name", logical), normalised, logical)


class TargetGroup(Kind):
    """Port, protocol, target type, health check, deregistration delay."""

    name = "target-group"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for group in plan.of("aws:lb/targetGroup:TargetGroup"):
            health = group.inputs.get("healthCheck", {})
            props = {
                "port": group.inputs.get("port"),
                "protocol": group.inputs.get("protocol"),
                "targetType": group.inputs.get("targetType"),
                "healthCheckPath": health.get("path"),
                "matcher": health.get("matcher"),
                "deregistrationDelay": group.inputs.get("deregistrationDelay"),
            }
            yield plan.resource(self.name, group.inputs["name"], props, group)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ElasticLoadBalancingV2::TargetGroup"):
            attributes = {a["Key"]: a["Value"] for a in props.get("TargetGroupAttributes", [])}
            delay = attributes.get("deregistration_delay.timeout_seconds")
            normalised = {
                "port": props.get("Port"),
                "protocol": props.get("Protocol"),
                "targetType": props.get("TargetType"),
                "healthCheckPath": props.get("HealthCheckPath"),
                "matcher": props.get("Matcher", {}).get("HttpCode"),
                "deregistrationDelay": int(delay) if delay is not None else None,
            }
            yield template.resource(self.name, props.get("Name", logical), normalised, logical)


class Listener(Kind):
    """Keyed by port: protocol, default action, TLS policy, certificate."""

    name = "listener"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for listener in plan.of("aws:lb/listener:Listener"):
            inputs = listener.inputs
            props = {
                "protocol": inputs.get("protocol"),
                "action": inputs["defaultActions"][0]["type"],
                "sslPolicy": inputs.get("sslPolicy"),
                "certificate": inputs.get("certificateArn"),
            }
            yield plan.resource(self.name, str(inputs["port"]), props, listener)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ElasticLoadBalancingV2::Listener"):
            certificates = props.get("Certificates", [])
            normalised = {
                "protocol": props.get("Protocol"),
                "action": props["DefaultActions"][0]["Type"],
                "sslPolicy": props.get("SslPolicy"),
                "certificate": certificates[0]["CertificateArn"] if certificates else None,
            }
            yield template.resource(self.name, str(props["Port"]), normalised, logical)
