"""The ECS web service, its network and load balancer, under Pulumi's mocks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_pulumi.exceptions import LiveTargetLookupError, RegressionError
from infra_pulumi.plan import Plan, PlannedResource
from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    ECS_GET_SERVICE,
    ECS_GET_TASK_DEFINITION,
    SSM_GET_PARAMETER,
    ecs_service_running,
    failing,
    image_tags,
    not_found,
    parameter_not_found,
    parameter_value,
)
from infra_pulumi.plan.runner import PROJECT_ROOT
from tests.infra.conftest import WEB_TAG_PARAMETER, RunProgram, policy, strings

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
WEB_REPO = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev-web"
CERT = "arn:aws:acm:ap-northeast-1:123456789012:certificate/abcd"


def container(plan: Plan) -> dict[str, Any]:
    (task,) = plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    (definition,) = json.loads(task.inputs["containerDefinitions"])
    return dict(definition)


def only_web_tag(value: str) -> Any:
    """getParameter: the web tag holds ``value``; the Lambda tag does not exist."""
    found = parameter_value(value)

    def handler(args: dict[str, Any]) -> Any:
        return found(args) if args["name"] == WEB_TAG_PARAMETER else parameter_not_found(args)

    return handler


def rules(plan: Plan, group: PlannedResource) -> list[dict[str, Any]]:
    """Every ingress/egress rule attached to ``group``, with its direction."""
    found = []
    for kind in ("Ingress", "Egress"):
        typ = f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule"
        for rule in plan.of_type(typ):
            if rule.inputs["securityGroupId"] == group.outputs["id"]:
                found.append({"direction": kind.lower(), **rule.inputs})
    return found


def group_id(resource: PlannedResource) -> str:
    return str(resource.outputs["id"])


# --- The image --------------------------------------------------------------------


def test_first_deploy_runs_the_web_placeholder(first_deploy_plan: Plan) -> None:
    web = container(first_deploy_plan)
    assert web["name"] == "web"
    image = first_deploy_plan.named("web-placeholder-image")
    # Pinned by digest, so a re-pushed placeholder reaches the service.
    assert web["image"] == image.outputs["repoDigest"]
    assert web["image"].startswith(f"{WEB_REPO}@sha256:")
    assert image.inputs["imageName"] == f"{WEB_REPO}:initial"
    # Absolute, from the project root: the host's working directory is infra_pulumi/.
    assert image.inputs["build"]["context"] == str(PROJECT_ROOT / "docker/initial_web")
    dockerfile = PROJECT_ROOT / "docker/initial_web" / "Dockerfile"
    assert image.inputs["build"]["dockerfile"] == str(dockerfile)
    assert image.inputs["build"]["platform"] == "linux/amd64"
    assert image.inputs["buildOnPreview"] is False
    (task,) = first_deploy_plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert image.urn in task.dependencies


def test_web_image_comes_from_the_same_resolver(run_program: RunProgram) -> None:
    plan = run_program(invokes={SSM_GET_PARAMETER: only_web_tag("abc1234")})
    assert container(plan)["image"] == f"{WEB_REPO}:abc1234"
    assert plan.resolved_tags["web"] == {"tag": "abc1234", "source": "parameter"}
    assert plan.outputs["webImageUri"] == f"{WEB_REPO}:abc1234"
    for resource in plan.resources:
        for text in strings(resource.inputs):
            assert not text.endswith(":latest"), resource.urn


# --- App releases survive infra runs ------------------------------------------------


def test_app_release_survives_the_next_pulumi_up(run_program: RunProgram) -> None:
    """The app pipeline released abc1234: it wrote the tag parameter, then the ECS deploy
    action registered revision 7 with that image. The next infra run keeps that image."""
    released = f"{WEB_REPO}:abc1234"
    plan = run_program(
        invokes={SSM_GET_PARAMETER: only_web_tag("abc1234"), **ecs_service_running(released)},
        preview=False,
    )
    assert container(plan)["image"] == released
    (service,) = plan.of_type("aws:ecs/service:Service")
    (task,) = plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert service.inputs["taskDefinition"] == task.outputs["arn"]


def test_missing_parameter_never_reverts_a_released_service(run_program: RunProgram) -> None:
    running = f"{WEB_REPO}:abc1234"
    with pytest.raises(RegressionError, match="ECS service container-delivery-dev-web") as info:
        run_program(invokes=ecs_service_running(running))
    assert info.value.running_image == running
    assert info.value.parameter == WEB_TAG_PARAMETER


def test_parameter_still_on_the_placeholder_never_reverts_a_released_service(
    run_program: RunProgram,
) -> None:
    handlers = {
        SSM_GET_PARAMETER: only_web_tag("initial"),
        **ecs_service_running(f"{WEB_REPO}:abc1234"),
    }
    with pytest.raises(RegressionError, match="holds the placeholder tag"):
        run_program(invokes=handlers)


def test_missing_parameter_with_the_service_on_the_placeholder_falls_back(
    run_program: RunProgram,
) -> None:
    plan = run_program(invokes=ecs_service_running(f"{WEB_REPO}:initial"))
    assert container(plan)["image"] == plan.named("web-placeholder-image").outputs["repoDigest"]


@pytest.mark.parametrize(("tags", "regression"), [(["initial"], False), (["abc1234"], True)])
def test_digest_pinned_service_is_judged_by_its_ecr_tags(
    run_program: RunProgram, tags: list[str], regression: bool
) -> None:
    invokes = {
        **ecs_service_running(f"{WEB_REPO}@sha256:{'d' * 64}"),
        ECR_GET_IMAGE: image_tags(*tags),
    }
    if regression:
        with pytest.raises(RegressionError, match="container-delivery-dev-web"):
            run_program(invokes=invokes)
    else:
        assert run_program(invokes=invokes).resolved_tags["web"]["tag"] == "initial"


def test_unreadable_service_stops_the_program(run_program: RunProgram) -> None:
    denied = failing(ECS_GET_SERVICE, "AccessDeniedException")
    with pytest.raises(LiveTargetLookupError, match="AccessDeniedException"):
        run_program(invokes={ECS_GET_SERVICE: denied})


def test_unreadable_task_definition_stops_the_program(run_program: RunProgram) -> None:
    # The provider's not-found for a task definition (also what a denied read says: its
    # finder maps every HTTP 400 to not found) is never taken for absence.
    gone = not_found(ECS_GET_TASK_DEFINITION)
    handlers = {**ecs_service_running(f"{WEB_REPO}:abc1234"), ECS_GET_TASK_DEFINITION: gone}
    with pytest.raises(LiveTargetLookupError, match="container-delivery-dev-web"):
        run_program(invokes=handlers)


# --- Network and security groups -------------------------------------------------------


def test_vpc_spans_two_zones_and_tasks_stay_private(first_deploy_plan: Plan) -> None:
    subnets = first_deploy_plan.of_type("aws:ec2/subnet:Subnet")
    public = [s for s in subnets if "-public-" in s.name]
    private = [s for s in subnets if "-private-" in s.name]
    assert {s.inputs["availabilityZone"] for s in public} == {f"{REGION}a", f"{REGION}c"}
    assert {s.inputs["availabilityZone"] for s in private} == {f"{REGION}a", f"{REGION}c"}
    (service,) = first_deploy_plan.of_type("aws:ecs/service:Service")
    network = service.inputs["networkConfiguration"]
    assert sorted(network["subnets"]) == sorted(group_id(s) for s in private)
    assert network["assignPublicIp"] is False
    (balancer,) = first_deploy_plan.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert sorted(balancer.inputs["subnets"]) == sorted(group_id(s) for s in public)


def test_existing_vpc_can_be_named_instead(run_program: RunProgram) -> None:
    network = {
        "vpcId": "vpc-0abc",
        "publicSubnetIds": ["subnet-01", "subnet-02"],
        "privateSubnetIds": ["subnet-03", "subnet-04"],
    }
    plan = run_program(config={"network": network})
    assert plan.of_type("aws:ec2/vpc:Vpc") == []
    assert plan.of_type("aws:ec2/subnet:Subnet") == []
    (service,) = plan.of_type("aws:ecs/service:Service")
    assert service.inputs["networkConfiguration"]["subnets"] == ["subnet-03", "subnet-04"]
    (balancer,) = plan.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs["subnets"] == ["subnet-01", "subnet-02"]
    for group in plan.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert group.inputs["vpcId"] == "vpc-0abc", group.urn


def test_security_groups_open_only_what_is_needed(first_deploy_plan: Plan) -> None:
    plan = first_deploy_plan
    alb_sg = plan.named("web-sg")
    tasks_sg = plan.named("web-tasks-sg")
    for group in (alb_sg, tasks_sg):
        # No inline rules: every rule is a separate resource checked below.
        assert "ingress" not in group.inputs, group.urn
        assert "egress" not in group.inputs, group.urn

    alb_rules = rules(plan, alb_sg)
    assert sorted(
        (r["direction"], r["fromPort"], r.get("cidrIpv4") or r.get("cidrIpv6"))
        for r in alb_rules
        if "referencedSecurityGroupId" not in r
    ) == [("ingress", 80, "0.0.0.0/0"), ("ingress", 80, "::/0")]
    to_tasks = [r for r in alb_rules if "referencedSecurityGroupId" in r]
    assert [
        (r["direction"], r["fromPort"], r["toPort"], r["referencedSecurityGroupId"])
        for r in to_tasks
    ] == [("egress", 8000, 8000, group_id(tasks_sg))]

    task_rules = rules(plan, tasks_sg)
    assert sorted(
        (r["direction"], r["fromPort"], r.get("referencedSecurityGroupId") or r.get("cidrIpv4"))
        for r in task_rules
    ) == [("egress", 443, "0.0.0.0/0"), ("ingress", 8000, group_id(alb_sg))]
    # The VPC's default security group is emptied.
    (default,) = plan.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert "ingress" not in default.inputs
    assert "egress" not in default.inputs


# --- Load balancer -----------------------------------------------------------------


def test_http_only_without_a_certificate(first_deploy_plan: Plan) -> None:
    (listener,) = first_deploy_plan.of_type("aws:lb/listener:Listener")
    assert listener.inputs["port"] == 80
    assert listener.inputs["defaultActions"][0]["type"] == "forward"
    assert first_deploy_plan.outputs["siteUrl"].startswith("http://container-delivery-dev-web")
    (group,) = first_deploy_plan.of_type("aws:lb/targetGroup:TargetGroup")
    assert group.inputs["name"] == "container-delivery-dev-8000"
    assert group.inputs["targetType"] == "ip"
    assert group.inputs["port"] == 8000
    assert group.inputs["healthCheck"]["path"] == "/healthz"
    assert group.inputs["healthCheck"]["matcher"] == "200"


def test_https_with_a_certificate_and_http_redirects(run_program: RunProgram) -> None:
    plan = run_program(config={"web": {"certificateArn": CERT}})
    listeners = {r.inputs["port"]: r for r in plan.of_type("aws:lb/listener:Listener")}
    assert listeners[443].inputs["protocol"] == "HTTPS"
    assert listeners[443].inputs["certificateArn"] == CERT
    assert listeners[443].inputs["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert listeners[443].inputs["defaultActions"][0]["type"] == "forward"
    redirect = listeners[80].inputs["defaultActions"][0]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}
    ports = sorted(
        r.inputs["fromPort"]
        for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "cidrIpv4" in r.inputs
    )
    assert ports == [80, 443]
    assert plan.outputs["siteUrl"].startswith("https://")


# --- ECS ----------------------------------------------------------------------------


def test_cluster_task_and_service_settings(run_program: RunProgram) -> None:
    plan = run_program(config={"web": {"desiredCount": 3, "cpu": 512, "memoryMb": 1024}})
    (cluster,) = plan.of_type("aws:ecs/cluster:Cluster")
    assert cluster.inputs["name"] == "container-delivery-dev"
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    (task,) = plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert task.inputs["networkMode"] == "awsvpc"
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("512", "1024")
    web = container(plan)
    assert web["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert web["logConfiguration"]["options"]["awslogs-group"] == "/ecs/container-delivery-dev-web"
    assert "/healthz" in " ".join(web["healthCheck"]["command"])
    (service,) = plan.of_type("aws:ecs/service:Service")
    assert service.inputs["desiredCount"] == 3
    assert service.inputs["launchType"] == "FARGATE"
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    (balancer_link,) = service.inputs["loadBalancers"]
    assert (balancer_link["containerName"], balancer_link["containerPort"]) == ("web", 8000)
    for listener in plan.of_type("aws:lb/listener:Listener"):
        assert listener.urn in service.dependencies


def test_execution_role_pulls_only_the_web_repository(first_deploy_plan: Plan) -> None:
    statements = policy(first_deploy_plan.named("web-execution-policy"))["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["EcrLogin"] == {
        "Sid": "EcrLogin",
        "Effect": "Allow",
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }
    assert by_sid["PullWebImageOnly"]["Resource"] == (
        f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/container-delivery-dev-web"
    )
    assert by_sid["OwnLogGroupOnly"]["Resource"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/container-delivery-dev-web:*"
    )
    wildcards = [s for s in statements if s["Resource"] == "*"]
    assert [s["Action"] for s in wildcards] == ["ecr:GetAuthorizationToken"]


def test_task_role_is_separate_and_empty(first_deploy_plan: Plan) -> None:
    (task,) = first_deploy_plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    execution = first_deploy_plan.named("web-execution-role")
    task_role = first_deploy_plan.named("web-task-role")
    assert task.inputs["executionRoleArn"] == execution.outputs["arn"]
    assert task.inputs["taskRoleArn"] == task_role.outputs["arn"]
    assert execution.outputs["arn"] != task_role.outputs["arn"]
    attached = [
        p
        for p in first_deploy_plan.of_type("aws:iam/rolePolicy:RolePolicy")
        + first_deploy_plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if p.inputs["role"] in (task_role.outputs["id"], task_role.inputs["name"])
    ]
    assert attached == []


def test_manifest_names_the_service(first_deploy_plan: Plan) -> None:
    value = first_deploy_plan.named("deploy-manifest-parameter").inputs["insecureValue"]
    web = json.loads(value)["images"]["web"]
    assert web["ecsServices"] == [
        {
            "cluster": "container-delivery-dev",
            "service": "container-delivery-dev-web",
            "container": "web",
        }
    ]
    assert first_deploy_plan.outputs["clusterName"] == "container-delivery-dev"
    assert first_deploy_plan.outputs["webServiceName"] == "container-delivery-dev-web"


@pytest.mark.parametrize(
    ("web", "message"),
    [
        ({"cpu": 300}, "cpu must be one of"),
        ({"cpu": 256, "memoryMb": 4096}, "memoryMb 4096 is not valid with cpu 256"),
        ({"certificateArn": "not-an-arn"}, "certificateArn"),
        ({"healthCheckPath": "healthz"}, "healthCheckPath"),
    ],
)
def test_bad_web_config_is_rejected(
    run_program: RunProgram, web: dict[str, Any], message: str
) -> None:
    from infra_pulumi.exceptions import ConfigError

    with pytest.raises(ConfigError, match=message):
        run_program(config={"web": web})
