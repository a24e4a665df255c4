"""The internet-facing Application Load Balancer in front of the web service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

#: TLS 1.3 with 1.2 fallback: AWS's recommended policy for new HTTPS listeners.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class AccessLogTarget:
    """Where the load balancer writes its access logs."""

    bucket: pulumi.Input[str]
    prefix: str
    ready: pulumi.Resource
    """The bucket policy that lets Elastic Load Balancing write: enabling access logs
    fails ("Access Denied for bucket") until it exists."""


@dataclass
class WebLoadBalancerArgs:
    """Inputs of a ``WebLoadBalancer``."""

    load_balancer_name: str
    target_group_name: str
    security_group_name: str
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    container_port: int
    health_check_path: str
    certificate_arn: str | None = None
    """With a certificate: HTTPS on 443, and HTTP on 80 redirects to it."""
    access_logs: AccessLogTarget | None = None
    """Where the load balancer writes its access logs, if anywhere."""


class WebLoadBalancer(pulumi.ComponentResource):
    """ALB, its security group (open to the internet on 80/443 only) and one target group."""

    security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    url: pulumi.Output[str]
    listeners: list[aws.lb.Listener]

    def __init__(
        self, name: str, args: WebLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:web:WebLoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        https = args.certificate_arn is not None

        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=args.security_group_name,
            description="Web load balancer: HTTP(S) from the internet",
            vpc_id=args.vpc_id,
            opts=child,
        )
        for port in (80, 443) if https else (80,):
            for family, cidr in (("v4", "0.0.0.0/0"), ("v6", "::/0")):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-in-{port}-{family}",
                    security_group_id=security_group.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=cidr if family == "v4" else None,
                    cidr_ipv6=cidr if family == "v6" else None,
                    description=f"HTTP{'S' if port == 443 else ''} from the internet",
                    opts=child,
                )

        balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=args.load_balancer_name,
            load_balancer_type="application",
            internal=False,
            security_groups=[security_group.id],
            subnets=list(args.public_subnet_ids),
            drop_invalid_header_fields=True,
            access_logs=(
                aws.lb.LoadBalancerAccessLogsArgs(
                    bucket=args.access_logs.bucket, prefix=args.access_logs.prefix, enabled=True
                )
                if args.access_logs is not None
                else None
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[args.access_logs.ready] if args.access_logs is not None else [],
            ),
        )
        target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            name=args.target_group_name,
            port=args.container_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                path=args.health_check_path,
                matcher="200",
                interval=15,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            opts=child,
        )
        forward = [
            aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
        ]
        self.listeners = []
        if https:
            self.listeners.append(
                aws.lb.Listener(
                    f"{name}-https",
                    load_balancer_arn=balancer.arn,
                    port=443,
                    protocol="HTTPS",
                    ssl_policy=TLS_POLICY,
                    certificate_arn=args.certificate_arn,
                    default_actions=forward,
                    opts=child,
                )
            )
        self.listeners.append(
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=(
                    [
                        aws.lb.ListenerDefaultActionArgs(
                            type="redirect",
                            redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                                port="443", protocol="HTTPS", status_code="HTTP_301"
                            ),
                        )
                    ]
                    if https
                    else forward
                ),
                opts=child,
            )
        )

        self.security_group_id = security_group.id
        self.target_group_arn = target_group.arn
        self.dns_name = balancer.dns_name
        self.url = pulumi.Output.concat("https://" if https else "http://", balancer.dns_name)
        self.register_outputs({"url": self.url, "target_group_arn": self.target_group_arn})
