"""The web service: the task definition from ECR, behind the load balancer, in its security groups.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.cdk_parity.reference.templates import (
    DEV,
    logical_id,
    tag_parameter_ref,
)


def test_task_definition_runs_the_web_repository_at_the_tag(dev_template: Template) -> None:
    tag = tag_parameter_ref(dev_template, "web")
    repo_id = logical_id(dev_template, "AWS::ECR::Repository", {"RepositoryName": f"{DEV}-web"})
    dev_template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "Family": f"{DEV}-web",
            "RequiresCompatibilities": ["FARGATE"],
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "web",
                        "Image": {"Fn::Join": ["", Match.array_with([{"Ref": repo_id}, ":", tag])]},
                        "PortMappings": [{"ContainerPort": 8000, "Protocol": "tcp"}],
                    }
                )
            ],
        },
    )


def test_web_service_behind_the_load_balancer(dev_template: Template) -> None:
    dev_template.has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "ClusterName": DEV,
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
        },
    )
    dev_template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "ServiceName": f"{DEV}-web",
            "LaunchType": "FARGATE",
            "DeploymentConfiguration": Match.object_like(
                {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
            ),
            "LoadBalancers": [Match.object_like({"ContainerName": "web", "ContainerPort": 8000})],
        },
    )
    dev_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Name": f"{DEV}-8000", "Port": 8000, "TargetType": "ip", "HealthCheckPath": "/healthz"},
    )
    dev_template.resource_count_is("AWS::EC2::NatGateway", 1)
    dev_template.resource_count_is("AWS::EC2::Subnet", 4)


def test_security_groups_allow_internet_to_alb_and_alb_to_tasks_only(
    dev_template: Template,
) -> None:
    alb = logical_id(dev_template, "AWS::EC2::SecurityGroup", {"GroupName": f"{DEV}-alb"})
    tasks = logical_id(dev_template, "AWS::EC2::SecurityGroup", {"GroupName": f"{DEV}-web-tasks"})
    dev_template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupName": f"{DEV}-web-tasks",
            "SecurityGroupEgress": [
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443})
            ],
        },
    )
    dev_template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [tasks, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [alb, "GroupId"]},
            "FromPort": 8000,
        },
    )
    dev_template.has_resource_properties(
        "AWS::EC2::SecurityGroupEgress",
        {
            "GroupId": {"Fn::GetAtt": [alb, "GroupId"]},
            "DestinationSecurityGroupId": {"Fn::GetAtt": [tasks, "GroupId"]},
            "FromPort": 8000,
        },
    )
