"""The two CodePipelines (V2), both defined on the infra side as in the talk.

- The infra pipeline: source (infra repository, plus the app repository for its release
  tool) -> ``pulumi preview`` -> optional manual approval -> ``pulumi up --yes`` and a
  release of the current Lambda tag.
- The app pipeline: source (app repository) -> build, push and release (CodeBuild) ->
  ECS deploy action with ``imagedefinitions.json``.

Both read their repository through an AWS CodeConnections connection, whose one-time
console handshake the README describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role, bucket_owner, document

SOURCE_ARTIFACT = "source"
BUILD_ARTIFACT = "build"
#: The app repository in the infra pipeline: its deploy stage runs the app's release tool.
#: CodeBuild puts a secondary input artifact in ``$CODEBUILD_SRC_DIR_<artifact name>``.
APP_SOURCE_ARTIFACT = "APP"


@dataclass
class PipelineSource:
    """A repository reached through a CodeConnections connection."""

    connection_arn: str
    repository: str
    """``owner/name``."""
    branch: str


def _connection_service(connection_arn: str) -> str:
    # Connections made before the 2024 rename still carry the codestar-connections prefix.
    return connection_arn.split(":")[2]


def _source_action(
    source: PipelineSource, name: str, artifact: str, namespace: str
) -> aws.codepipeline.PipelineStageActionArgs:
    return aws.codepipeline.PipelineStageActionArgs(
        name=name,
        category="Source",
        owner="AWS",
        provider="CodeStarSourceConnection",
        version="1",
        namespace=namespace,
        output_artifacts=[artifact],
        configuration={
            "ConnectionArn": source.connection_arn,
            "FullRepositoryId": source.repository,
            "BranchName": source.branch,
            "OutputArtifactFormat": "CODE_ZIP",
            "DetectChanges": "false",  # the V2 trigger below starts runs
        },
        run_order=1,
    )


def source_stage(
    source: PipelineSource, app_source: PipelineSource | None = None
) -> aws.codepipeline.PipelineStageArgs:
    actions = [_source_action(source, "Source", SOURCE_ARTIFACT, "SourceVariables")]
    if app_source is not None:
        # Fetched at the branch head on every run; only the first source's pushes start
        # the pipeline (the trigger names it).
        actions.append(
            _source_action(app_source, "AppSource", APP_SOURCE_ARTIFACT, "AppSourceVariables")
        )
    return aws.codepipeline.PipelineStageArgs(name="Source", actions=actions)


def build_action(
    name: str,
    project_name: pulumi.Input[str],
    *,
    run_order: int = 1,
    output: str | None = None,
    namespace: str | None = None,
    secondary_inputs: tuple[str, ...] = (),
    variables: dict[str, str] | None = None,
) -> aws.codepipeline.PipelineStageActionArgs:
    """A CodeBuild action on the source artifact; ``variables`` are plain environment
    variables of this action (CodePipeline resolves ``#{Namespace.Variable}`` in them)."""
    primary: dict[str, pulumi.Input[str]] = (
        # With several input artifacts, CodeBuild runs the buildspec of PrimarySource.
        {"PrimarySource": SOURCE_ARTIFACT} if secondary_inputs else {}
    )
    return aws.codepipeline.PipelineStageActionArgs(
        name=name,
        category="Build",
        owner="AWS",
        provider="CodeBuild",
        version="1",
        input_artifacts=[SOURCE_ARTIFACT, *secondary_inputs],
        output_artifacts=[output] if output else None,
        namespace=namespace,
        configuration={
            "ProjectName": project_name,
            **primary,
            # The commit reaches the build explicitly: CODEBUILD_RESOLVED_SOURCE_VERSION is
            # not always set for pipeline sources.
            "EnvironmentVariables": pulumi.Output.json_dumps(
                [
                    {"name": name, "value": value, "type": "PLAINTEXT"}
                    for name, value in {
                        "COMMIT_ID": "#{SourceVariables.CommitId}",
                        **(variables or {}),
                    }.items()
                ]
            ),
        },
        run_order=run_order,
    )


def _trigger(source: PipelineSource) -> aws.codepipeline.PipelineTriggerArgs:
    return aws.codepipeline.PipelineTriggerArgs(
        provider_type="CodeStarSourceConnection",
        git_configuration=aws.codepipeline.PipelineTriggerGitConfigurationArgs(
            source_action_name="Source",
            pushes=[
                aws.codepipeline.PipelineTriggerGitConfigurationPushArgs(
                    branches=aws.codepipeline.PipelineTriggerGitConfigurationPushBranchesArgs(
                        includes=[source.branch]
                    )
                )
            ],
        ),
    )


def _pipeline_statements(
    source: PipelineSource,
    account_id: str,
    artifact_bucket_arn: pulumi.Input[str],
    project_arns: list[pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str] | None,
) -> list[dict[str, Any]]:
    service = _connection_service(source.connection_arn)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Artifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": pulumi.Output.concat(artifact_bucket_arn, "/*"),
            "Condition": bucket_owner(account_id),
        },
        {
            "Sid": "ArtifactBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketVersioning", "s3:GetBucketLocation"],
            "Resource": artifact_bucket_arn,
            "Condition": bucket_owner(account_id),
        },
        {
            "Sid": "UseConnection",
            "Effect": "Allow",
            "Action": f"{service}:UseConnection",
            "Resource": source.connection_arn,
        },
        {
            "Sid": "RunOwnBuilds",
            "Effect": "Allow",
            "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
            "Resource": project_arns,
        },
    ]
    if kms_key_arn is not None:
        statements.append(
            {
                "Sid": "ArtifactKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
            }
        )
    return statements


@dataclass
class PipelineBase:
    """What every pipeline of this stack has: a name, a source and the artifact store."""

    pipeline_name: str
    source: PipelineSource
    account_id: str
    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str] | None
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary, on each role this creates (permissions_boundary.py)."""


def pipeline_with_role(
    parent: pulumi.Resource,
    name: str,
    base: PipelineBase,
    *,
    project_arns: list[pulumi.Input[str]],
    stages: list[aws.codepipeline.PipelineStageArgs],
    extra_statements: list[dict[str, Any]] | None = None,
    on_push: bool = True,
) -> aws.codepipeline.Pipeline:
    """The pipeline, its own role, and a policy naming exactly what it uses.

    ``on_push``: a push to the source branch starts a run (V2 trigger); without it, a
    person (or automation) starts each run.
    """
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-role",
        name=base.pipeline_name,
        assume_role_policy=assume_role("codepipeline.amazonaws.com"),
        permissions_boundary=base.permissions_boundary,
        opts=child,
    )
    statements = _pipeline_statements(
        base.source, base.account_id, base.artifact_bucket_arn, project_arns, base.kms_key_arn
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=document(statements + (extra_statements or [])),
        opts=child,
    )
    store = aws.codepipeline.PipelineArtifactStoreArgs(
        location=base.artifact_bucket_name,
        type="S3",
        encryption_key=(
            aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(id=base.kms_key_arn, type="KMS")
            if base.kms_key_arn is not None
            else None
        ),
    )
    return aws.codepipeline.Pipeline(
        f"{name}-pipeline",
        name=base.pipeline_name,
        pipeline_type="V2",
        # Runs are queued: two deploys of one stack, or two releases, never overlap,
        # and releases go out in commit order.
        execution_mode="QUEUED",
        role_arn=role.arn,
        artifact_stores=[store],
        stages=stages,
        triggers=[_trigger(base.source)] if on_push else [],
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy]),
    )


@dataclass
class InfraPipelineArgs:
    """Inputs of an ``InfraPipeline``."""

    pipeline_name: str
    source: PipelineSource
    account_id: str
    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    preview_project_name: pulumi.Input[str]
    preview_project_arn: pulumi.Input[str]
    deploy_project_name: pulumi.Input[str]
    deploy_project_arn: pulumi.Input[str]
    manual_approval: bool
    app_source: PipelineSource
    """The app repository: the deploy stage runs its release tool after ``pulumi up``."""
    kms_key_arn: pulumi.Input[str] | None = None
    permissions_boundary: pulumi.Input[str] | None = None


class InfraPipeline(pulumi.ComponentResource):
    """Source -> Preview -> (Approve) -> Deploy (``pulumi up``, then a release of the
    current Lambda tag with the app's release tool), for this Pulumi program."""

    pipeline_name: pulumi.Output[str]
    pipeline_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: InfraPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:InfraPipeline", name, None, opts)
        stages = [
            source_stage(args.source, args.app_source),
            aws.codepipeline.PipelineStageArgs(
                name="Preview", actions=[build_action("PulumiPreview", args.preview_project_name)]
            ),
        ]
        if args.manual_approval:
            stages.append(
                aws.codepipeline.PipelineStageArgs(
                    name="Approve",
                    actions=[
                        aws.codepipeline.PipelineStageActionArgs(
                            name="Approve",
                            category="Approval",
                            owner="AWS",
                            provider="Manual",
                            version="1",
                            configuration={
                                "CustomData": "Review the preview in the Preview stage's "
                                "build logs, then approve to run pulumi up."
                            },
                        )
                    ],
                )
            )
        stages.append(
            aws.codepipeline.PipelineStageArgs(
                name="Deploy",
                actions=[
                    build_action(
                        "PulumiUp",
                        args.deploy_project_name,
                        secondary_inputs=(APP_SOURCE_ARTIFACT,),
                    )
                ],
            )
        )
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
            project_arns=[args.preview_project_arn, args.deploy_project_arn],
            stages=stages,
        )
        self.pipeline_name = pipeline.name
        self.pipeline_arn = pipeline.arn
        self.register_outputs({"pipeline_name": self.pipeline_name})


@dataclass
class EcsDeployTarget:
    """The web service an ECS deploy action rolls out, and what its task definitions name."""

    cluster_name: pulumi.Input[str]
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
