"""The ECS deploy action's grants: what a pipeline role needs to roll out the web service.

The app pipeline (``app_pipeline.py``) and a promoted stage's promote pipeline
(``promote_pipeline.py``) both end with CodePipeline's ECS deploy action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass
class EcsDeployTarget:
    """The web service an ECS deploy action rolls out, and what its task definitions name."""

    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    service_arn: pulumi.Input[str]
    task_definition_family: str
    task_role_arns: list[pulumi.Input[str]]
    region: str
    account_id: str
    partition: str = "aws"


def ecs_deploy_statements(target: EcsDeployTarget) -> list[dict[str, Any]]:
    """The ECS deploy action's grants on the pipeline role.

    What AWS's service-role policy for the ECS standard deploy action grants (CodePipeline
    User Guide, "Amazon ECS deploy action reference", service role permissions), each
    scoped to this service, its cluster and its task family.
    """
    ecs_arn = f"arn:{target.partition}:ecs:{target.region}:{target.account_id}"
    task_definitions = f"{ecs_arn}:task-definition/{target.task_definition_family}:*"
    return [
        {
            # DescribeTaskDefinition takes no resource-level permissions: AWS requires "*".
            "Sid": "ReadTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:DescribeTaskDefinition",
            "Resource": "*",
        },
        {
            # The revision number is unknown in advance; the family is exact.
            "Sid": "RegisterOwnTaskDefinitions",
            "Effect": "Allow",
            "Action": ["ecs:RegisterTaskDefinition", "ecs:TagResource"],
            "Resource": task_definitions,
        },
        {
            "Sid": "DeployOwnService",
            "Effect": "Allow",
            "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
            "Resource": target.service_arn,
        },
        {
            # The action watches the new tasks start. Task ids are not known in
            # advance; the cluster in the ARN is exact.
            "Sid": "WatchOwnClustersTasks",
            "Effect": "Allow",
            "Action": "ecs:DescribeTasks",
            "Resource": pulumi.Output.concat(ecs_arn, ":task/", target.cluster_name, "/*"),
        },
        {
            # ListTasks' only resource type is container-instance, which Fargate tasks
            # do not have, so AWS needs "*" here; the ecs:cluster condition key
            # limits it to this cluster.
            "Sid": "ListOwnClustersTasks",
            "Effect": "Allow",
            "Action": "ecs:ListTasks",
            "Resource": "*",
            "Condition": {
                "ArnEquals": {
                    "ecs:cluster": pulumi.Output.concat(ecs_arn, ":cluster/", target.cluster_name)
                }
            },
        },
        {
            "Sid": "PassTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": target.task_role_arns,
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]


def deploy_stage(
    input_artifact: str, target: EcsDeployTarget
) -> aws.codepipeline.PipelineStageArgs:
    """The last stage: CodePipeline's ECS standard deploy action rolls out the service with
    the ``imagedefinitions.json`` that ``input_artifact`` carries."""
    return aws.codepipeline.PipelineStageArgs(
        name="Deploy",
        actions=[
            aws.codepipeline.PipelineStageActionArgs(
                name="DeployWeb",
                category="Deploy",
                owner="AWS",
                provider="ECS",
                version="1",
                input_artifacts=[input_artifact],
                configuration={
                    "ClusterName": target.cluster_name,
                    "ServiceName": target.service_name,
                    "FileName": "imagedefinitions.json",
                },
            )
        ],
    )
