"""The app pipeline, defined on the infra side as in the talk.

Source (app repository) -> build, push and release (CodeBuild) -> ECS deploy action with
``imagedefinitions.json``. The pieces it shares with the infra and promote pipelines
(source stage, build action, role) are in ``pipelines.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.ecs_deploy import (
    EcsDeployTarget,
    deploy_stage,
    ecs_deploy_statements,
)
from infra_pulumi.components.pipelines import (
    BUILD_ARTIFACT,
    PipelineBase,
    build_action,
    pipeline_with_role,
    source_stage,
)


@dataclass
class AppPipelineArgs:
    """Inputs of an ``AppPipeline``."""

    base: PipelineBase
    """Name, the app repository source, the artifact store, the boundary."""
    build_project_name: pulumi.Input[str]
    build_project_arn: pulumi.Input[str]
    web: EcsDeployTarget
    """The web service the deploy stage rolls out (its task roles are passed to ECS)."""


class AppPipeline(pulumi.ComponentResource):
    """Source -> Build (build, push, release) -> Deploy (ECS with imagedefinitions.json)."""

    pipeline_name: pulumi.Output[str]
    pipeline_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AppPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:AppPipeline", name, None, opts)
        stages = [
            source_stage(args.base.source),
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
            deploy_stage(BUILD_ARTIFACT, args.web),
        ]
        pipeline = pipeline_with_role(
            self,
            name,
            args.base,
            project_arns=[args.build_project_arn],
            stages=stages,
            extra_statements=ecs_deploy_statements(args.web),
        )
        self.pipeline_name = pipeline.name
        self.pipeline_arn = pipeline.arn
        self.register_outputs({"pipeline_name": self.pipeline_name})
