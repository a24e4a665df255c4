"""The web service: VPC across two zones, ALB, and the Fargate service from ECR (point 2).

The task definition names the web repository and tag (``ContainerImage.from_ecr_repository``),
so the infra side needs no web source either.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_parity.reference.common import retention
from cdk_parity.reference.config import NetworkConfig, WebConfig
from cdk_parity.reference.naming import Naming

#: The container that runs the web image; the manifest names it for the app side.
WEB_CONTAINER = "web"


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


class WebLoadBalancer(Construct):
    """Internet-facing ALB, its security group (80/443 in), one IP target group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        naming: Naming,
        vpc: ec2.IVpc,
        web: WebConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        https = web.certificate_arn is not None
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            security_group_name=f"{naming.prefix}-alb",
            description="Web load balancer: HTTP(S) from the internet",
            allow_all_outbound=False,
        )
        for port in (80, 443) if https else (80,):
            for peer in (ec2.Peer.any_ipv4(), ec2.Peer.any_ipv6()):
                self.security_group.add_ingress_rule(
                    peer,
                    ec2.Port.tcp(port),
                    f"HTTP{'S' if port == 443 else ''} from the internet",
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
        # open=False: the ingress rules above are the only ones, v4 and v6 alike.
        if https:
            assert web.certificate_arn is not None
            self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,  # = TLS_POLICY, checked by a test
                certificates=[
                    acm.Certificate.from_certificate_arn(self, "Certificate", web.certificate_arn)
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
        else:
            self.load_balancer.add_listener(
                "Http",
                port=80,
                protocol=elbv2.ApplicationProtocol.HTTP,
                default_target_groups=[self.target_group],
                open=False,
            )


class WebService(Construct):
    """Cluster with Container Insights, task definition from ECR, and the Fargate service."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        naming: Naming,
        vpc: ec2.IVpc,
        web: WebConfig,
        repository: ecr.IRepository,
        tag: str,
        load_balancer: WebLoadBalancer,
        log_retention_days: int,
        kms_key_arn: str | None = None,
        arm64: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        service_name = naming.web_service
        port = web.container_port
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=naming.cluster,
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/ecs/{service_name}",
            retention=retention(log_retention_days),
            encryption_key=(
                kms.Key.from_key_arn(self, "LogKey", kms_key_arn) if kms_key_arn else None
            ),
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "TasksSecurityGroup",
            vpc=vpc,
            security_group_name=f"{service_name}-tasks",
            description="Web tasks: the container port from the load balancer only",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            load_balancer.security_group,
            ec2.Port.tcp(port),
            "Container port from the load balancer",
        )
        load_balancer.security_group.add_egress_rule(
            self.security_group, ec2.Port.tcp(port), "Load balancer to the web tasks"
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS out (through NAT) for ECR, CloudWatch Logs and AWS APIs",
        )
        assume = iam.ServicePrincipal("ecs-tasks.amazonaws.com")
        self.execution_role = iam.Role(
            self, "ExecutionRole", role_name=f"{service_name}-exec", assumed_by=assume
        )
        self.task_role = iam.Role(
            self, "TaskRole", role_name=f"{service_name}-task", assumed_by=assume
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            family=service_name,
            cpu=web.cpu,
            memory_limit_mib=web.memory_mb,
            runtime_platform=ecs.RuntimePlatform(
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
                cpu_architecture=(
                    ecs.CpuArchitecture.ARM64 if arm64 else ecs.CpuArchitecture.X86_64
                ),
            ),
            execution_role=self.execution_role,
            task_role=self.task_role,
        )
        self.container = self.task_definition.add_container(
            WEB_CONTAINER,
            container_name=WEB_CONTAINER,
            # Grants the execution role the pull from this repository (and the ECR login).
            image=ecs.ContainerImage.from_ecr_repository(repository, tag),
            essential=True,
            port_mappings=[ecs.PortMapping(container_port=port, protocol=ecs.Protocol.TCP)],
            environment={"PORT": str(port)},
            health_check=ecs.HealthCheck(
                command=[
                    "CMD",
                    "python",
                    "-c",
                    "import urllib.request; urllib.request.urlopen("
                    f"'http://127.0.0.1:{port}{web.health_check_path}', timeout=3)",
                ],
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(20),
            ),
            logging=ecs.LogDrivers.aws_logs(stream_prefix=WEB_CONTAINER, log_group=log_group),
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=service_name,
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=web.desired_count,
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            health_check_grace_period=Duration.seconds(30),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
        )
        load_balancer.target_group.add_target(
            self.service.load_balancer_target(container_name=WEB_CONTAINER, container_port=port)
        )
