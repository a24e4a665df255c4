"""A VPC across two availability zones: public subnets for the ALB, private ones for tasks."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass
class NetworkArgs:
    """Inputs of a ``Network``."""

    name_prefix: str
    """Prefix for the ``Name`` tags (the project and stack)."""
    availability_zones: Sequence[str]
    """Two (or more) zones; one public and one private subnet each."""
    cidr_block: str = "10.0.0.0/16"


def subnet_cidrs(cidr_block: str, count: int) -> tuple[list[str], list[str]]:
    """Public and private /20 blocks (or /24 for a small VPC) carved from the VPC's range."""
    network = ipaddress.ip_network(cidr_block)
    new_prefix = max(network.prefixlen + 4, 20) if network.prefixlen <= 16 else 24
    blocks = [str(b) for b in network.subnets(new_prefix=new_prefix)]
    if len(blocks) < 2 * count:
        raise ValueError(f"{cidr_block} is too small for {2 * count} subnets")
    return blocks[:count], blocks[count : 2 * count]


class Network(pulumi.ComponentResource):
    """Public subnets route to an internet gateway; private ones through one NAT gateway.

    Tasks stay in the private subnets with no public address: only the load balancer
    faces the internet. One NAT gateway keeps the cost down; put one per zone if a zone
    outage must not cut the tasks off from ECR and CloudWatch Logs.
    """

    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = list(args.availability_zones)
        public_cidrs, private_cidrs = subnet_cidrs(args.cidr_block, len(zones))

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr_block,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": args.name_prefix},
            opts=child,
        )
        # A VPC's default security group allows all traffic between its members; strip it.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, opts=child)
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={"Name": args.name_prefix}, opts=child
        )
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={"Name": f"{args.name_prefix}-public"},
            opts=child,
        )
        public_subnets = self._subnets(
            name, "public", zones, public_cidrs, vpc, public_routes, args
        )
        nat_ip = aws.ec2.Eip(
            f"{name}-nat-ip", domain="vpc", tags={"Name": args.name_prefix}, opts=child
        )
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            subnet_id=public_subnets[0].id,
            allocation_id=nat_ip.id,
            tags={"Name": args.name_prefix},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
        )
        private_routes = aws.ec2.RouteTable(
            f"{name}-private",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
            tags={"Name": f"{args.name_prefix}-private"},
            opts=child,
        )
        private_subnets = self._subnets(
            name, "private", zones, private_cidrs, vpc, private_routes, args
        )

        self.vpc_id = vpc.id
        self.public_subnet_ids = [s.id for s in public_subnets]
        self.private_subnet_ids = [s.id for s in private_subnets]
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )

    def _subnets(
        self,
        name: str,
        kind: str,
        zones: Sequence[str],
        cidrs: Sequence[str],
        vpc: aws.ec2.Vpc,
        route_table: aws.ec2.RouteTable,
        args: NetworkArgs,
    ) -> list[aws.ec2.Subnet]:
        """One subnet per zone, each associated with the route table of its kind."""
        child = pulumi.ResourceOptions(parent=self)
        subnets = []
        for index, (zone, cidr) in enumerate(zip(zones, cidrs, strict=True)):
            subnet = aws.ec2.Subnet(
                f"{name}-{kind}-{index}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                # Nothing here gets a public address by default, not even in public subnets:
                # only the load balancer faces the internet.
                map_public_ip_on_launch=False,
                tags={"Name": f"{args.name_prefix}-{kind}-{zone}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-{kind}-{index}",
                subnet_id=subnet.id,
                route_table_id=route_table.id,
                opts=child,
            )
            subnets.append(subnet)
        return subnets
