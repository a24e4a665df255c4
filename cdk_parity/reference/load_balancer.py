"""The internet-facing Application Load Balancer in front of the web service."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_parity.reference.access_logs import LOAD_BALANCER_PREFIX
from cdk_parity.reference.config import WebConfig
from cdk_parity.reference.naming import Naming


class WebLoadBalancer(Construct):
    """Internet-facing ALB, its security group (80/443 in), one IP target group.

    With ``access_logs``, the load balancer writes its access logs to that bucket under
    ``alb/``; CDK's ``log_access_logs`` adds the bucket-policy statement for the Region's
    Elastic Load Balancing account, and orders the load balancer after it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        naming: Naming,
        vpc: ec2.IVpc,
        web: WebConfig,
        access_logs: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = self._security_group(
            naming, vpc, https=web.certificate_arn is not None
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            load_balancer_name=naming.load_balancer,
            vpc=vpc,
            internet_facing=True,
            security_group=self.security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
        )
        if access_logs is not None:
            self.load_balancer.log_access_logs(access_logs, LOAD_BALANCER_PREFIX)
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
            target_group_name=naming.target_group(web.container_port),
            vpc=vpc,
            port=web.container_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=web.health_check_path,
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        self._listeners(web.certificate_arn)

    def _security_group(self, naming: Naming, vpc: ec2.IVpc, *, https: bool) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            security_group_name=f"{naming.prefix}-alb",
            description="Web load balancer: HTTP(S) from the internet",
            allow_all_outbound=False,
        )
        for port in (80, 443) if https else (80,):
            for peer in (ec2.Peer.any_ipv4(), ec2.Peer.any_ipv6()):
                group.add_ingress_rule(
                    peer,
                    ec2.Port.tcp(port),
                    f"HTTP{'S' if port == 443 else ''} from the internet",
                )
        return group

    def _listeners(self, certificate_arn: str | None) -> None:
        """HTTPS forwarding and HTTP redirecting with a certificate; HTTP forwarding without.

        open=False: the security group's ingress rules are the only ones, v4 and v6 alike.
        """
        if certificate_arn is None:
            self.load_balancer.add_listener(
                "Http",
                port=80,
                protocol=elbv2.ApplicationProtocol.HTTP,
                default_target_groups=[self.target_group],
                open=False,
            )
            return
        self.load_balancer.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,  # = TLS_POLICY, checked by a test
            certificates=[
                acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            ],
            default_target_groups=[self.target_group],
            open=False,
        )
        self.load_balancer.add_listener(
            "Http",
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=elbv2.ListenerAction.redirect(
                port="443", protocol="HTTPS", permanent=True
            ),
            open=False,
        )
