"""The web service: the Fargate service whose task definition runs the web image from ECR.

The talk's point 2: the task definition names the web repository and tag
(``ContainerImage.from_ecr_repository``), so the infra side needs no web source either.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_parity.reference.common import retention
from cdk_parity.reference.config import WebConfig
from cdk_parity.reference.load_balancer import WebLoadBalancer
from cdk_parity.reference.naming import Naming

#: The container that runs the web image; the manifest names it for the app side.
WEB_CONTAINER = "web"


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
        also_pulls: Sequence[ecr.IRepository] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        service_name = naming.web_service
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
        self.security_group = self._security_group(
            vpc, service_name, web.container_port, load_balancer
        )
        self.task_definition = self._task_definition(service_name, web, arm64=arm64)
        self.container = self.task_definition.add_container(
            WEB_CONTAINER,
            container_name=WEB_CONTAINER,
            # Grants the execution role the pull from this repository (and the ECR login).
            image=ecs.ContainerImage.from_ecr_repository(repository, tag),
            essential=True,
            port_mappings=[
                ecs.PortMapping(container_port=web.container_port, protocol=ecs.Protocol.TCP)
            ],
            environment={"PORT": str(web.container_port)},
            health_check=_health_check(web),
            logging=ecs.LogDrivers.aws_logs(stream_prefix=WEB_CONTAINER, log_group=log_group),
        )
        for other in also_pulls:
            other.grant_pull(self.execution_role)
        self.service = self._service(service_name, web)
        load_balancer.target_group.add_target(
            self.service.load_balancer_target(
                container_name=WEB_CONTAINER, container_port=web.container_port
            )
        )

    def _security_group(
        self, vpc: ec2.IVpc, service_name: str, port: int, load_balancer: WebLoadBalancer
    ) -> ec2.SecurityGroup:
        """The tasks' group: the container port from the load balancer, HTTPS out."""
        group = ec2.SecurityGroup(
            self,
            "TasksSecurityGroup",
            vpc=vpc,
            security_group_name=f"{service_name}-tasks",
            description="Web tasks: the container port from the load balancer only",
            allow_all_outbound=False,
        )
        group.add_ingress_rule(
            load_balancer.security_group,
            ec2.Port.tcp(port),
            "Container port from the load balancer",
        )
        load_balancer.security_group.add_egress_rule(
            group, ec2.Port.tcp(port), "Load balancer to the web tasks"
        )
        group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS out (through NAT) for ECR, CloudWatch Logs and AWS APIs",
        )
        return group

    def _task_definition(
        self, service_name: str, web: WebConfig, *, arm64: bool
    ) -> ecs.FargateTaskDefinition:
        """The task definition with its two roles: execution (pull, logs) and task (none)."""
        assume = iam.ServicePrincipal("ecs-tasks.amazonaws.com")
        self.execution_role = iam.Role(
            self, "ExecutionRole", role_name=f"{service_name}-exec", assumed_by=assume
        )
        self.task_role = iam.Role(
            self, "TaskRole", role_name=f"{service_name}-task", assumed_by=assume
        )
        return ecs.FargateTaskDefinition(
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

    def _service(self, service_name: str, web: WebConfig) -> ecs.FargateService:
        return ecs.FargateService(
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


def _health_check(web: WebConfig) -> ecs.HealthCheck:
    """The container's own health check: the image's Python fetches the health path."""
    return ecs.HealthCheck(
        command=[
            "CMD",
            "python",
            "-c",
            "import urllib.request; urllib.request.urlopen("
            f"'http://127.0.0.1:{web.container_port}{web.health_check_path}', timeout=3)",
        ],
        interval=Duration.seconds(15),
        timeout=Duration.seconds(5),
        retries=3,
        start_period=Duration.seconds(20),
    )
