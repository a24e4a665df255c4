"""Both CodePipelines, defined on the infra side as in the talk (points 1 and 6).

The app build project carries every name the app side needs (the tag parameters'
key names, the manifest parameter, the repositories) as environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_parity.common import retention
from infra_pulumi.components.build_project import BUILD_IMAGE
from infra_pulumi.components.pipelines import BUILD_ARTIFACT, SOURCE_ARTIFACT, PipelineSource


def artifact_bucket(
    scope: Construct, construct_id: str, *, bucket_name: str, kms_key: kms.IKey | None
) -> s3.Bucket:
    """Private, TLS-only, KMS-encrypted, artifacts expire after 30 days."""
    return s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        encryption=s3.BucketEncryption.KMS if kms_key else s3.BucketEncryption.KMS_MANAGED,
        encryption_key=kms_key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="expire-artifacts",
                expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
    )


class BuildProject(Construct):
    """A CodeBuild project for one pipeline stage, with its own role and log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project_name: str,
        description: str,
        buildspec: str,
        environment: Mapping[str, str],
        secret_environment: Mapping[str, str] | None = None,
        statements: Sequence[Mapping[str, Any]] = (),
        managed_policy_arns: Sequence[str] = (),
        permissions_boundary_arn: str | None = None,
        privileged: bool = False,
        timeout_minutes: int = 30,
        log_retention_days: int = 30,
        kms_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/codebuild/{project_name}",
            retention=retention(log_retention_days),
            encryption_key=kms_key,
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=f"{project_name}-build",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_managed_policy_arn(self, f"Managed{i}", arn)
                for i, arn in enumerate(managed_policy_arns)
            ],
            permissions_boundary=(
                iam.ManagedPolicy.from_managed_policy_arn(
                    self, "Boundary", permissions_boundary_arn
                )
                if permissions_boundary_arn
                else None
            ),
        )
        for statement in statements:
            self.role.add_to_policy(iam.PolicyStatement.from_json(dict(statement)))
        variables = {
            key: codebuild.BuildEnvironmentVariable(value=value)
            for key, value in sorted(environment.items())
        }
        variables.update(
            {
                key: codebuild.BuildEnvironmentVariable(
                    value=arn, type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER
                )
                for key, arn in sorted((secret_environment or {}).items())
            }
        )
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            project_name=project_name,
            description=description,
            role=self.role,
            build_spec=codebuild.BuildSpec.from_source_filename(buildspec),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.from_code_build_image_id(BUILD_IMAGE),
                compute_type=codebuild.ComputeType.SMALL,
                privileged=privileged,
            ),
            environment_variables=variables,
            timeout=Duration.minutes(timeout_minutes),
            encryption_key=kms_key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
            ),
        )


def _source_action(
    source: PipelineSource,
) -> tuple[actions.CodeStarConnectionsSourceAction, codepipeline.Artifact]:
    owner, repo = source.repository.split("/", 1)
    artifact = codepipeline.Artifact(SOURCE_ARTIFACT)
    action = actions.CodeStarConnectionsSourceAction(
        action_name="Source",
        connection_arn=source.connection_arn,
        owner=owner,
        repo=repo,
        branch=source.branch,
        output=artifact,
        trigger_on_push=False,  # the V2 trigger below starts runs
        variables_namespace="SourceVariables",
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
) -> actions.CodeBuildAction:
    return actions.CodeBuildAction(
        action_name=name,
        project=project,
        input=source_artifact,
        outputs=list(outputs) or None,
        variables_namespace=namespace,
        # The commit reaches the build explicitly, as on the Pulumi side.
        environment_variables={
            "COMMIT_ID": codebuild.BuildEnvironmentVariable(value=source_action.variables.commit_id)
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
) -> codepipeline.Pipeline:
    return codepipeline.Pipeline(
        scope,
        construct_id,
        pipeline_name=pipeline_name,
        pipeline_type=codepipeline.PipelineType.V2,
        execution_mode=codepipeline.ExecutionMode.QUEUED,
        artifact_bucket=bucket,
        cross_account_keys=False,
        role=iam.Role(
            scope,
            f"{construct_id}Role",
            role_name=pipeline_name,
            assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
        ),
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            *stages,
        ],
        triggers=[_trigger(source_action, branch)],
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
        source_action, source_artifact = _source_action(source)
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
        source_action, source_artifact = _source_action(source)
        build_output = codepipeline.Artifact(BUILD_ARTIFACT)
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
                codepipeline.StageProps(
                    stage_name="Deploy",
                    actions=[
                        actions.EcsDeployAction(
                            action_name="DeployWeb",
                            service=service,
                            image_file=build_output.at_path("imagedefinitions.json"),
                        )
                    ],
                ),
            ],
        )
