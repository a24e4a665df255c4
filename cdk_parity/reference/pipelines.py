"""Both CodePipelines, defined on the infra side as in the talk (points 1 and 6).

The app build project carries every name the app side needs (the tag parameters'
key names, the manifest parameter, the repositories) as environment variables.
The pipeline and project constructs create their own roles, as a CDK user gets them;
each stage's permissions are granted with the constructs' ``grant*`` methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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

from cdk_parity.reference.common import retention

#: CodeBuild's Amazon Linux 2023 standard images (Docker included), per architecture: a
#: stack's images build natively on a host of the stack's architecture.
BUILD_IMAGES: Mapping[str, codebuild.IBuildImage] = {
    "x86_64": codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
    "arm64": codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
}
BUILD_IMAGE = BUILD_IMAGES["x86_64"]


@dataclass(frozen=True)
class PipelineSource:
    """A repository reached through a CodeConnections connection."""

    connection_arn: str
    repository: str
    """``owner/name``."""
    branch: str


def artifact_bucket(scope: Construct, construct_id: str, *, kms_key: kms.IKey | None) -> s3.Bucket:
    """Private, TLS-only, KMS-encrypted, artifacts expire after 30 days.

    No bucket name: CloudFormation generates a unique one, so the same stack can live
    in several regions of one account and nobody can claim the name first.
    """
    return s3.Bucket(
        scope,
        construct_id,
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
    """A CodeBuild project for one pipeline stage, with the role it creates and its log group.

    The caller grants the project what its stage needs (``repository.grant_pull_push(
    project)``, ...); managed policies and a permissions boundary go on the project's role.
    """

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
        managed_policies: Sequence[str] = (),
        permissions_boundary_arn: str | None = None,
        privileged: bool = False,
        architecture: str = "x86_64",
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
            build_spec=codebuild.BuildSpec.from_source_filename(buildspec),
            environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGES[architecture],
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
        role = self.project.role
        assert role is not None  # a PipelineProject without a given role creates one
        self.role = role
        for name in managed_policies:
            role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(name))
        if permissions_boundary_arn:
            iam.PermissionsBoundary.of(self.project).apply(
                iam.ManagedPolicy.from_managed_policy_arn(
                    self, "Boundary", permissions_boundary_arn
                )
            )


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
