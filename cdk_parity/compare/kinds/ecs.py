"""The ECS cluster, the web task definition and the Fargate service (talk, point 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import image_repository, image_tag
from cdk_parity.compare.model import Resource


class EcsCluster(Kind):
    """Container Insights."""

    name = "ecs-cluster"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for cluster in plan.of("aws:ecs/cluster:Cluster"):
            settings = {s["name"]: s["value"] for s in cluster.inputs.get("settings", [])}
            props = {"containerInsights": settings.get("containerInsights")}
            yield plan.resource(self.name, cluster.inputs["name"], props, cluster)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ECS::Cluster"):
            settings = {s["Name"]: s["Value"] for s in props.get("ClusterSettings", [])}
            normalised = {"containerInsights": settings.get("containerInsights")}
            key = props.get("ClusterName", logical)
            yield template.resource(self.name, key, normalised, logical)


def _task_props(
    *,
    cpu: Any,
    memory: Any,
    network_mode: Any,
    compatibilities: Any,
    container: Mapping[str, Any],
    execution_role: Any,
    task_role: Any,
) -> dict[str, Any]:
    """Both sides' task definitions, read the same way (the container's keys differ in case)."""

    def get(*keys: str) -> Any:
        for key in keys:
            if key in container:
                return container[key]
        return None

    image = get("image", "Image")
    ports = get("portMappings", "PortMappings") or [{}]
    port = ports[0].get("containerPort", ports[0].get("ContainerPort"))
    health = get("healthCheck", "HealthCheck") or {}
    log = get("logConfiguration", "LogConfiguration") or {}
    options = log.get("options", log.get("Options", {}))
    return {
        "cpu": str(cpu),
        "memory": str(memory),
        "networkMode": network_mode,
        "compatibilities": compatibilities,
        "container": get("name", "Name"),
        "repository": image_repository(image),
        "imageTag": image_tag(image),
        "containerPort": port,
        "healthCheck": " ".join(health.get("command", health.get("Command", []))),
        "logGroup": options.get("awslogs-group"),
        "executionRole": execution_role,
        "taskRole": task_role,
    }


class EcsTaskDefinition(Kind):
    """Sizes, network mode, the one container's image, port, health check and logs, roles."""

    name = "ecs-task-definition"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        role_names = {
            r.outputs.get("arn"): r.inputs.get("name") for r in plan.of("aws:iam/role:Role")
        }
        for task in plan.of("aws:ecs/taskDefinition:TaskDefinition"):
            inputs = task.inputs
            (container,) = json.loads(inputs["containerDefinitions"])
            props = _task_props(
                cpu=inputs.get("cpu"),
                memory=inputs.get("memory"),
                network_mode=inputs.get("networkMode"),
                compatibilities=inputs.get("requiresCompatibilities"),
                container=container,
                execution_role=role_names.get(inputs.get("executionRoleArn")),
                task_role=role_names.get(inputs.get("taskRoleArn")),
            )
            yield plan.resource(self.name, inputs["family"], props, task)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ECS::TaskDefinition"):
            (container,) = props["ContainerDefinitions"]
            normalised = _task_props(
                cpu=props.get("Cpu"),
                memory=props.get("Memory"),
                network_mode=props.get("NetworkMode"),
                compatibilities=props.get("RequiresCompatibilities"),
                container=container,
                execution_role=str(props.get("ExecutionRoleArn", "")).rsplit("/", 1)[-1],
                task_role=str(props.get("TaskRoleArn", "")).rsplit("/", 1)[-1],
            )
            yield template.resource(self.name, props.get("Family", logical), normalised, logical)


class EcsService(Kind):
    """Count, launch type, circuit breaker, deployment bounds, networking, load balancer."""

    name = "ecs-service"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for service in plan.of("aws:ecs/service:Service"):
            inputs = service.inputs
            breaker = inputs.get("deploymentCircuitBreaker", {})
            network = inputs.get("networkConfiguration", {})
            (binding,) = inputs.get("loadBalancers", [{}])
            props = {
                "desiredCount": inputs.get("desiredCount"),
                "launchType": inputs.get("launchType"),
                "circuitBreaker": {
                    "enable": breaker.get("enable"),
                    "rollback": breaker.get("rollback"),
                },
                "minimumHealthyPercent": inputs.get("deploymentMinimumHealthyPercent"),
                "maximumPercent": inputs.get("deploymentMaximumPercent"),
                "assignPublicIp": bool(network.get("assignPublicIp", False)),
                "healthCheckGracePeriod": inputs.get("healthCheckGracePeriodSeconds"),
                "loadBalancerContainer": (
                    f"{binding.get('containerName')}:{binding.get('containerPort')}"
                ),
            }
            yield plan.resource(self.name, inputs["name"], props, service)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::ECS::Service"):
            deployment = props.get("DeploymentConfiguration", {})
            breaker = deployment.get("DeploymentCircuitBreaker", {})
            network = props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
            (binding,) = props.get("LoadBalancers", [{}])
            normalised = {
                "desiredCount": props.get("DesiredCount"),
                "launchType": props.get("LaunchType"),
                "circuitBreaker": {
                    "enable": breaker.get("Enable"),
                    "rollback": breaker.get("Rollback"),
                },
                "minimumHealthyPercent": deployment.get("MinimumHealthyPercent"),
                "maximumPercent": deployment.get("MaximumPercent"),
                "assignPublicIp": network.get("AssignPublicIp") == "ENABLED",
                "healthCheckGracePeriod": props.get("HealthCheckGracePeriodSeconds"),
                "loadBalancerContainer": (
                    f"{binding.get('ContainerName')}:{binding.get('ContainerPort')}"
                ),
            }
            key = props.get("ServiceName", logical)
            yield template.resource(self.name, key, normalised, logical)
