"""The app pipeline, defined on the infra side as in the talk.

Source (app repository) -> build, push and release (CodeBuild) -> ECS deploy action with
``imagedefinitions.json``. The pieces it shares with the infra and promote pipelines
(source stage, build action, role) are in ``pipelines.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.ecs_deploy import EcsDeployTarget, ecs_deploy_statements
from infra_pulumi.components.pipelines import (
    BUILD_ARTIFACT,
    PipelineBase,
    PipelineSource,
    build_action,
    pipeline_with_role,
    source_stage,
)


@dataclass
class AppPipelineArgs:
    """Inputs of an ``AppPipeline``."""

    pipeline_name: str
    source: PipelineSource
    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    build_project_name: pulumi.Input[str]
    build_project_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    service_arn: pulumi.Input[str]
    task_definition_family: str
    task_role_arns: list[pulumi.Input[str]]
    """Execution and task roles the ECS deploy action passes to new task definitions."""
    region: str
    account_id: str
    partition: str = "aws"
    kms_key_arn: pulumi.Input[str] | None = None
    permissions_boundary: pulumi.Input[str] | None = None


class AppPipeline(pulumi.ComponentResource):
    """Source -> Build (build, push, release) -> Deploy (ECS with imagedefinitions.json)."""

    pipeline_name: pulumi.Output[str]
    pipeline_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AppPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:AppPipeline", name, None, opts)
        ecs_deploy = ecs_deploy_statements(
            EcsDeployTarget(
                cluster_name=args.cluster_name,
                service_arn=args.service_arn,
                task_definition_family=args.task_definition_family,
                task_role_arns=args.task_role_arns,
                region=args.region,
                account_id=args.account_id,
                partition=args.partition,
            )
        )
        stages = [
            source_stage(args.source),
            aws.codepipeline.PipelineStageArgs(
                name="Build",
                actions=[
                    build_action(
                        "BuildPushRelease",
                        args.build_project_name,
                        output=BUILD_ARTIFACT,
                        namespace="BuildVariables",
                    )
                ],
            ),
            aws.codepipeline.PipelineStageArgs(
                name="Deploy",
                actions=[
                    aws.codepipeline.PipelineStageActionArgs(
                        name="DeployWeb",
                        category="Deploy",
                        owner="AWS",
                        provider="ECS",
                        version="1",
                        input_artifacts=[BUILD_ARTIFACT],
                        configuration={
                            "ClusterName": args.cluster_name,
                            "ServiceName": args.service_name,
                            "FileName": "imagedefinitions.json",
                        },
                    )
                ],
            ),
        ]
        pipeline = pipeline_with_role(
            self,
            name,
            PipelineBase(
                args.pipeline_name,
                args.source,
                args.account_id,
                args.artifact_bucket_name,
                args.artifact_bucket_arn,
                args.kms_key_arn,
                args.permissions_boundary,
            ),
            project_arns=[args.build_project_arn],
            stages=stages,
            extra_statements=ecs_deploy,
        )
        self.pipeline_name = pipeline.name
        self.pipeline_arn = pipeline.arn
        self.register_outputs({"pipeline_name": self.pipeline_name})
