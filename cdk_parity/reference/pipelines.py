"""The two CodePipelines (V2), both defined on the infra side as in the talk (points 1, 6).

The infra pipeline previews, optionally waits for approval, and deploys; the app
pipeline builds, pushes and releases, then rolls the web service out from
``imagedefinitions.json``. The pipeline constructs create their own roles, as a CDK user
gets them; each action's permissions come from CDK.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct


@dataclass(frozen=True)
class PipelineSource:
    """A repository reached through a CodeConnections connection."""

    connection_arn: str
    repository: str
    """``owner/name``."""
    branch: str


def _source_role(scope: Construct, construct_id: str, connection_arn: str) -> iam.Role:
    """The source action's role, allowed to use the connection under its ARN's own prefix.

    CDK's source action grants ``codestar-connections:UseConnection`` whatever the ARN,
    but AWS's rename notes say the action's service prefix must match the resource's:
    a connection made since July 2024 has a ``codeconnections`` ARN. The role trusts
    the account, as the action roles CDK makes itself do; the pipeline assumes it.
    """
    role = iam.Role(scope, construct_id, assumed_by=iam.AccountRootPrincipal())
    service = connection_arn.split(":")[2]  # codeconnections, or codestar-connections
    role.add_to_policy(
        iam.PolicyStatement(actions=[f"{service}:UseConnection"], resources=[connection_arn])
    )
    return role


def _source_action(
    scope: Construct, source: PipelineSource
) -> tuple[actions.CodeStarConnectionsSourceAction, codepipeline.Artifact]:
    owner, repo = source.repository.split("/", 1)
    artifact = codepipeline.Artifact("source")
    action = actions.CodeStarConnectionsSourceAction(
        action_name="Source",
        connection_arn=source.connection_arn,
        owner=owner,
        repo=repo,
        branch=source.branch,
        output=artifact,
        trigger_on_push=False,  # the V2 trigger below starts runs
        variables_namespace="SourceVariables",
        role=_source_role(scope, "SourceRole", source.connection_arn),
    )
    return action, artifact


def _trigger(
    source_action: actions.CodeStarConnectionsSourceAction, branch: str
) -> codepipeline.TriggerProps:
    return codepipeline.TriggerProps(
        provider_type=codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
        git_configuration=codepipeline.GitConfiguration(
            source_action=source_action,
            push_filter=[codepipeline.GitPushFilter(branches_includes=[branch])],
        ),
    )


def _build_action(
    name: str,
    project: codebuild.IProject,
    source_action: actions.CodeStarConnectionsSourceAction,
    source_artifact: codepipeline.Artifact,
    *,
    outputs: Sequence[codepipeline.Artifact] = (),
    namespace: str | None = None,
    variables: dict[str, str] | None = None,
) -> actions.CodeBuildAction:
    return actions.CodeBuildAction(
        action_name=name,
        project=project,
        input=source_artifact,
        outputs=list(outputs) or None,
        variables_namespace=namespace,
        # The commit reaches the build explicitly, as on the Pulumi side.
        environment_variables={
            "COMMIT_ID": codebuild.BuildEnvironmentVariable(
                value=source_action.variables.commit_id
            ),
            **{
                name: codebuild.BuildEnvironmentVariable(value=value)
                for name, value in (variables or {}).items()
            },
        },
    )


def _pipeline(
    scope: Construct,
    construct_id: str,
    *,
    pipeline_name: str,
    bucket: s3.IBucket,
    source_action: actions.CodeStarConnectionsSourceAction,
    branch: str,
    stages: Sequence[codepipeline.StageProps],
    on_push: bool = True,
) -> codepipeline.Pipeline:
    return codepipeline.Pipeline(
        scope,
        construct_id,
        pipeline_name=pipeline_name,
        pipeline_type=codepipeline.PipelineType.V2,
        execution_mode=codepipeline.ExecutionMode.QUEUED,
        artifact_bucket=bucket,
        cross_account_keys=False,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            *stages,
        ],
        triggers=[_trigger(source_action, branch)] if on_push else None,
    )


class InfraPipeline(Construct):
    """Source -> Preview -> (Approve) -> Deploy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline_name: str,
        source: PipelineSource,
        bucket: s3.IBucket,
        preview: codebuild.IProject,
        deploy: codebuild.IProject,
        manual_approval: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        source_action, source_artifact = _source_action(self, source)
        stages = [
            codepipeline.StageProps(
                stage_name="Preview",
                actions=[_build_action("PulumiPreview", preview, source_action, source_artifact)],
            )
        ]
        if manual_approval:
            stages.append(
                codepipeline.StageProps(
                    stage_name="Approve",
                    actions=[
                        actions.ManualApprovalAction(
                            action_name="Approve",
                            additional_information=(
                                "Review the preview in the Preview stage's build logs, "
                                "then approve to run pulumi up."
                            ),
                        )
                    ],
                )
            )
        stages.append(
            codepipeline.StageProps(
                stage_name="Deploy",
                actions=[_build_action("PulumiUp", deploy, source_action, source_artifact)],
            )
        )
        self.pipeline = _pipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_name,
            bucket=bucket,
            source_action=source_action,
            branch=source.branch,
            stages=stages,
        )


def _deploy_stage(
    service: ecs.IBaseService, artifact: codepipeline.Artifact
) -> codepipeline.StageProps:
    """The last stage: the ECS deploy action with the artifact's ``imagedefinitions.json``."""
    return codepipeline.StageProps(
        stage_name="Deploy",
        actions=[
            actions.EcsDeployAction(
                action_name="DeployWeb",
                service=service,
                image_file=artifact.at_path("imagedefinitions.json"),
            )
        ],
    )


class AppPipeline(Construct):
    """Source -> Build (build, push, release) -> Deploy (ECS, imagedefinitions.json)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline_name: str,
        source: PipelineSource,
        bucket: s3.IBucket,
        build: codebuild.IProject,
        service: ecs.IBaseService,
    ) -> None:
        super().__init__(scope, construct_id)
        source_action, source_artifact = _source_action(self, source)
        build_output = codepipeline.Artifact("build")
        self.pipeline = _pipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_name,
            bucket=bucket,
            source_action=source_action,
            branch=source.branch,
            stages=[
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        _build_action(
                            "BuildPushRelease",
                            build,
                            source_action,
                            source_artifact,
                            outputs=[build_output],
                            namespace="BuildVariables",
                        )
                    ],
                ),
                _deploy_stage(service, build_output),
            ],
        )


class PromotePipeline(Construct):
    """A promoted stage's: Source -> PlanPromotion -> Approve -> Promote -> Deploy (ECS).

    The plan's CodeBuild action exports the tag and each image's digest (its buildspec's
    ``exported-variables``) under the namespace ``Plan``; the approval shows them and the
    Promote action receives them, as CodePipeline variables. A person starts each run.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline_name: str,
        source: PipelineSource,
        bucket: s3.IBucket,
        project: codebuild.IProject,
        service: ecs.IBaseService,
    ) -> None:
        super().__init__(scope, construct_id)
        source_action, source_artifact = _source_action(self, source)
        plan = _build_action(
            "Plan",
            project,
            source_action,
            source_artifact,
            namespace="Plan",
            variables={"PROMOTE_STEP": "plan"},
        )
        approved = {
            name: plan.variable(name)
            for name in ("PROMOTE_TAG", "PROMOTE_LAMBDA_DIGEST", "PROMOTE_WEB_DIGEST")
        }
        promoted = codepipeline.Artifact("promoted")
        self.pipeline = _pipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_name,
            bucket=bucket,
            source_action=source_action,
            branch=source.branch,
            on_push=False,
            stages=[
                codepipeline.StageProps(stage_name="PlanPromotion", actions=[plan]),
                codepipeline.StageProps(
                    stage_name="Approve",
                    actions=[
                        actions.ManualApprovalAction(
                            action_name="Approve",
                            additional_information=(
                                f"Promote {approved['PROMOTE_TAG']} from stack "
                                f"{plan.variable('PROMOTE_FROM')}: lambda "
                                f"{approved['PROMOTE_LAMBDA_DIGEST']}, web "
                                f"{approved['PROMOTE_WEB_DIGEST']}. Approve to release "
                                "exactly these digests here; the build logs of the Plan "
                                "stage show the full plans."
                            ),
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Promote",
                    actions=[
                        _build_action(
                            "Promote",
                            project,
                            source_action,
                            source_artifact,
                            outputs=[promoted],
                            variables={"PROMOTE_STEP": "promote", **approved},
                        )
                    ],
                ),
                _deploy_stage(service, promoted),
            ],
        )
