"""The ECS Fargate web service: cluster, task definition, roles, logs and service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role, document, log_streams, one_or_many

#: The container name in the task definition; ``imagedefinitions.json`` must use it.
WEB_CONTAINER = "web"


@dataclass
class WebServiceArgs:
    """Inputs of a ``WebService``."""

    cluster_name: str
    service_name: str
    """Also the task definition family."""
    execution_role_name: str
    task_role_name: str
    log_group_name: str
    security_group_name: str
    """The tasks' security group."""
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets the tasks run in."""
    load_balancer_security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    image_uri: pulumi.Input[str]
    """``<web repository>:<tag>``, resolved exactly as for Lambda; never ``latest``."""
    repository_arns: Sequence[pulumi.Input[str]]
    """The only repositories the execution role may pull from: the web repository, and in
    a promoted stage the build stage's web repository too."""
    cpu_architecture: str = "X86_64"
    """ECS's ``X86_64`` or ``ARM64``: the web image is built for the stack's architecture."""
    desired_count: int = 2
    cpu: int = 256
    memory_mb: int = 512
    container_port: int = 8000
    health_check_path: str = "/healthz"
    log_retention_days: int = 30
    kms_key_arn: pulumi.Input[str] | None = None
    image_dependencies: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """Resources that must exist before the task definition: the placeholder push."""
    service_dependencies: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """Resources that must exist before the service: the load balancer's listeners."""
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary, on each role this creates (permissions_boundary.py)."""


class WebService(pulumi.ComponentResource):
    """A Fargate service behind the ALB, with the deployment circuit breaker and rollback.

    Tasks accept traffic from the load balancer's security group on the container port
    only. The execution role pulls from the web repository and writes to the service's
    own log group; the task role (what the app's code runs as) is separate and empty.
    """

    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    task_definition_family: str
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: WebServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:web:WebService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        tasks_sg = self._security_group(name, args)
        execution_role, execution_policy_resource, task_role = self._roles(name, args, log_group)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.service_name,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.cpu),
            memory=str(args.memory_mb),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.cpu_architecture
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=container_definitions(args, log_group.name, region),
            # The first tasks pull with the execution role: its policy must exist before
            # the task definition (and so the service) that uses the role.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[execution_policy_resource, *args.image_dependencies],
            ),
        )
        service = self._service(name, args, cluster, task_definition, tasks_sg)

        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.service_name = service.name
        self.service_arn = service.id  # the provider's id of an ECS service is its ARN
        self.task_definition_arn = task_definition.arn
        self.task_definition_family = args.service_name
        self.execution_role_arn = execution_role.arn
        self.task_role_arn = task_role.arn
        self.security_group_id = tasks_sg.id
        self.register_outputs(
            {"cluster_name": self.cluster_name, "service_name": self.service_name}
        )

    def _security_group(self, name: str, args: WebServiceArgs) -> aws.ec2.SecurityGroup:
        """The tasks' group: the container port from the load balancer, HTTPS out."""
        child = pulumi.ResourceOptions(parent=self)
        tasks_sg = aws.ec2.SecurityGroup(
            f"{name}-tasks-sg",
            name=args.security_group_name,
            description="Web tasks: the container port from the load balancer only",
            vpc_id=args.vpc_id,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-alb",
            security_group_id=tasks_sg.id,
            referenced_security_group_id=args.load_balancer_security_group_id,
            ip_protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            description="Container port from the load balancer",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-to-tasks",
            security_group_id=args.load_balancer_security_group_id,
            referenced_security_group_id=tasks_sg.id,
            ip_protocol="tcp",
            from_port=args.container_port,
            to_port=args.container_port,
            description="Load balancer to the web tasks",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-tasks-https-out",
            security_group_id=tasks_sg.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS out (through NAT) for ECR, CloudWatch Logs and AWS APIs",
            opts=child,
        )
        return tasks_sg

    def _roles(
        self, name: str, args: WebServiceArgs, log_group: aws.cloudwatch.LogGroup
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy, aws.iam.Role]:
        """The execution role (pulls, writes logs) with its policy, and the empty task role."""
        child = pulumi.ResourceOptions(parent=self)
        execution_role = aws.iam.Role(
            f"{name}-execution-role",
            name=args.execution_role_name,
            assume_role_policy=assume_role("ecs-tasks.amazonaws.com"),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        execution_policy_resource = aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=execution_role.id,
            policy=execution_policy(args.repository_arns, log_group.arn),
            opts=child,
        )
        task_role = aws.iam.Role(
            f"{name}-task-role",
            name=args.task_role_name,
            assume_role_policy=assume_role("ecs-tasks.amazonaws.com"),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        return execution_role, execution_policy_resource, task_role

    def _service(
        self,
        name: str,
        args: WebServiceArgs,
        cluster: aws.ecs.Cluster,
        task_definition: aws.ecs.TaskDefinition,
        tasks_sg: aws.ec2.SecurityGroup,
    ) -> aws.ecs.Service:
        """The Fargate service behind the target group, rolled back by the circuit breaker."""
        return aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            desired_count=args.desired_count,
            launch_type="FARGATE",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.subnet_ids),
                security_groups=[tasks_sg.id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name=WEB_CONTAINER,
                    container_port=args.container_port,
                )
            ],
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            health_check_grace_period_seconds=30,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.service_dependencies)),
        )


def container_definitions(
    args: WebServiceArgs, log_group_name: pulumi.Input[str], region: pulumi.Input[str]
) -> pulumi.Output[str]:
    """The one container: the image, its port, a health check and the awslogs driver."""
    return pulumi.Output.json_dumps(
        [
            {
                "name": WEB_CONTAINER,
                "image": args.image_uri,
                "essential": True,
                "portMappings": [{"containerPort": args.container_port, "protocol": "tcp"}],
                "environment": [{"name": "PORT", "value": str(args.container_port)}],
                "healthCheck": {
                    "command": [
                        "CMD",
                        "python",
                        "-c",
                        "import urllib.request; urllib.request.urlopen("
                        f"'http://127.0.0.1:{args.container_port}"
                        f"{args.health_check_path}', timeout=3)",
                    ],
                    "interval": 15,
                    "timeout": 5,
                    "retries": 3,
                    "startPeriod": 20,
                },
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_group_name,
                        "awslogs-region": region,
                        "awslogs-stream-prefix": WEB_CONTAINER,
                    },
                },
            }
        ]
    )


def execution_policy(
    repository_arns: Sequence[pulumi.Input[str]], log_group_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """Pull from the web repositories and write to one log group: all the ECS agent needs."""
    return document(
        [
            {
                # GetAuthorizationToken is not resource-scoped: AWS requires "*".
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PullWebImageOnly",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                # One repository keeps the document as it was for a build stage.
                "Resource": one_or_many(repository_arns),
            },
            log_streams(log_group_arn),
        ]
    )
