"""The VPC, its subnets, its plumbing (folded into one entry) and the security groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.model import Resource


class Vpc(Kind):
    """CIDR and DNS hostnames; there is one VPC, so its key is ``vpc``."""

    name = "vpc"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for vpc in plan.of("aws:ec2/vpc:Vpc"):
            props = {
                "cidr": vpc.inputs["cidrBlock"],
                "dnsHostnames": vpc.inputs.get("enableDnsHostnames"),
            }
            yield plan.resource(self.name, "vpc", props, vpc)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::EC2::VPC"):
            normalised = {
                "cidr": props["CidrBlock"],
                "dnsHostnames": props.get("EnableDnsHostnames"),
            }
            yield template.resource(self.name, "vpc", normalised, logical)


class Subnet(Kind):
    """Keyed by tier and zone (``public-ap-northeast-1a``): neither side names subnets."""

    name = "subnet"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for subnet in plan.of("aws:ec2/subnet:Subnet"):
            tier = "public" if "-public-" in subnet.name else "private"
            props = {
                "cidr": subnet.inputs["cidrBlock"],
                "mapPublicIp": bool(subnet.inputs.get("mapPublicIpOnLaunch", False)),
            }
            key = f"{tier}-{subnet.inputs['availabilityZone']}"
            yield plan.resource(self.name, key, props, subnet)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::EC2::Subnet"):
            tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
            tier = "public" if tags.get("aws-cdk:subnet-type") == "Public" else "private"
            normalised = {
                "cidr": props["CidrBlock"],
                "mapPublicIp": bool(props.get("MapPublicIpOnLaunch", False)),
            }
            key = f"{tier}-{props['AvailabilityZone']}"
            yield template.resource(self.name, key, normalised, logical)


def _plumbing(counts: Mapping[str, int]) -> dict[str, Any]:
    props: dict[str, Any] = {
        key: counts.get(key, 0)
        for key in (
            "routeTables",
            "routeTableAssociations",
            "internetGateways",
            "natGateways",
            "elasticIps",
        )
    }
    props["defaultSecurityGroupEmptied"] = counts.get("defaultSecurityGroupEmptied", 0) > 0
    return props


class NetworkPlumbing(Kind):
    """Route tables, gateways, addresses, counted in one ``vpc-plumbing`` entry.

    The two tools build the same VPC from differently sized pieces (CDK: a route
    table per subnet, routes and the gateway attachment as resources of their own).
    """

    name = "network"

    PULUMI: Mapping[str, str] = {
        "aws:ec2/routeTable:RouteTable": "routeTables",
        "aws:ec2/routeTableAssociation:RouteTableAssociation": "routeTableAssociations",
        "aws:ec2/internetGateway:InternetGateway": "internetGateways",
        "aws:ec2/natGateway:NatGateway": "natGateways",
        "aws:ec2/eip:Eip": "elasticIps",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "defaultSecurityGroupEmptied",
    }
    CFN: Mapping[str, str | None] = {
        "AWS::EC2::RouteTable": "routeTables",
        "AWS::EC2::SubnetRouteTableAssociation": "routeTableAssociations",
        "AWS::EC2::InternetGateway": "internetGateways",
        "AWS::EC2::NatGateway": "natGateways",
        "AWS::EC2::EIP": "elasticIps",
        "Custom::VpcRestrictDefaultSG": "defaultSecurityGroupEmptied",
        "AWS::EC2::VPCGatewayAttachment": None,  # Pulumi's gateway takes vpc_id inline
        "AWS::EC2::Route": None,  # Pulumi's route tables carry their routes inline
    }

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        pieces = [r for typ in self.PULUMI for r in plan.of(typ)]
        if pieces:
            counts: dict[str, int] = defaultdict(int)
            for piece in pieces:
                counts[self.PULUMI[piece.type]] += 1
            types = tuple(sorted({r.type for r in pieces}))
            yield plan.resource(self.name, "vpc-plumbing", _plumbing(counts), *pieces, types=types)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        pieces = [(typ, logical) for typ in self.CFN for logical, _ in template.of(typ)]
        if pieces:
            counts: dict[str, int] = defaultdict(int)
            for typ, _logical in pieces:
                key = self.CFN[typ]
                if key is not None:
                    counts[key] += 1
            types = tuple(sorted({typ for typ, _ in pieces}))
            logical_ids = [logical for _, logical in pieces]
            yield template.resource(
                self.name, "vpc-plumbing", _plumbing(counts), *logical_ids, types=types
            )


def _rule(direction: str, protocol: str, port: Any, peer: str) -> str:
    return f"{direction} {protocol} {port} {'from' if direction == 'in' else 'to'} {peer}"


class SecurityGroup(Kind):
    """Every ingress and egress rule as one line; peers that are groups by group name."""

    name = "security-group"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        groups = plan.of("aws:ec2/securityGroup:SecurityGroup")
        group_names = {g.outputs.get("id"): g.inputs.get("name") for g in groups}
        for group in groups:
            rules = []
            folded = []
            for kind, direction in (("Ingress", "in"), ("Egress", "out")):
                for rule in plan.of(f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule"):
                    if rule.inputs["securityGroupId"] != group.outputs.get("id"):
                        continue
                    folded.append(rule)
                    peer = (
                        rule.inputs.get("cidrIpv4")
                        or rule.inputs.get("cidrIpv6")
                        or f"sg:{group_names.get(rule.inputs.get('referencedSecurityGroupId'))}"
                    )
                    protocol = rule.inputs["ipProtocol"]
                    rules.append(_rule(direction, protocol, rule.inputs.get("fromPort"), peer))
            props = {"rules": sorted(rules)}
            yield plan.resource(self.name, group.inputs["name"], props, group, *folded)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        group_names = {
            f"${{{logical}.GroupId}}": props.get("GroupName", logical)
            for logical, props in template.of("AWS::EC2::SecurityGroup")
        }
        standalone: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        for typ, direction in (
            ("AWS::EC2::SecurityGroupIngress", "in"),
            ("AWS::EC2::SecurityGroupEgress", "out"),
        ):
            for logical, props in template.of(typ):
                standalone[str(props["GroupId"])].append((logical, direction, props))
        for logical, props in template.of("AWS::EC2::SecurityGroup"):
            rules = []
            for direction, key in (("in", "SecurityGroupIngress"), ("out", "SecurityGroupEgress")):
                for rule in props.get(key, []):
                    if (
                        rule.get("Description") == "Disallow all traffic"
                        and rule.get("IpProtocol") == "icmp"
                    ):
                        continue  # CDK's placeholder that means "no egress at all"
                    peer = (
                        rule.get("CidrIp")
                        or rule.get("CidrIpv6")
                        or rule.get("SourceSecurityGroupId")
                        or rule.get("DestinationSecurityGroupId")
                    )
                    rules.append(
                        _rule(direction, rule["IpProtocol"], rule.get("FromPort"), str(peer))
                    )
            folded = []
            for rule_logical, direction, rule in standalone.get(f"${{{logical}.GroupId}}", []):
                folded.append(rule_logical)
                other = rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId")
                peer = (
                    rule.get("CidrIp")
                    or rule.get("CidrIpv6")
                    or f"sg:{group_names.get(str(other), other)}"
                )
                rules.append(_rule(direction, rule["IpProtocol"], rule.get("FromPort"), peer))
            yield template.resource(
                self.name,
                props.get("GroupName", logical),
                {"rules": sorted(rules)},
                logical,
                *folded,
            )
