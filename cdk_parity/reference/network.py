"""The VPC across two availability zones: public subnets for the ALB, private ones for tasks."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from cdk_parity.reference.config import NetworkConfig


class Network(Construct):
    """The VPC: public and private /20 subnets in two zones, one NAT gateway.

    ``restrict_default_security_group`` empties the default security group, as the
    Pulumi side's ``DefaultSecurityGroup`` does; CDK does it with a custom resource.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        network: NetworkConfig | None,
    ) -> None:
        super().__init__(scope, construct_id)
        if network is not None:
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=network.vpc_id,
                availability_zones=[f"zone-{i}" for i in range(len(network.public_subnet_ids))],
                public_subnet_ids=list(network.public_subnet_ids),
                private_subnet_ids=list(network.private_subnet_ids),
            )
            return
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=name_prefix,
            ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"),
            max_azs=2,
            nat_gateways=1,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=20,
                    map_public_ip_on_launch=False,
                ),
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20
                ),
            ],
        )  # fmt: skip
