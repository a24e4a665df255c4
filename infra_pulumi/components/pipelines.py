"""The infra pipeline (V2), and what every pipeline of the stack is built from.

- The infra pipeline: source (infra repository, plus the app repository for its release
  tool) -> ``pulumi preview`` -> optional manual approval -> ``pulumi up --yes`` and a
  release of the current Lambda tag.
- Shared with the app pipeline (``app_pipeline.py``) and a promoted stage's promote
  pipeline (``promote_pipeline.py``): the source stage, the CodeBuild action, and the
  pipeline with its role.

Every pipeline reads its repository through an AWS CodeConnections connection, whose
one-time console handshake the README describes.
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


def approval_stage(text: str) -> aws.codepipeline.PipelineStageArgs:
    """A manual approval; ``text`` is what the approver reads (CodePipeline resolves
    variables in it)."""
    return aws.codepipeline.PipelineStageArgs(
        name="Approve",
        actions=[
            aws.codepipeline.PipelineStageActionArgs(
                name="Approve",
                category="Approval",
                owner="AWS",
                provider="Manual",
                version="1",
                configuration={"CustomData": text},
            )
        ],
    )


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

    base: PipelineBase
    """Name, the infra repository source, the artifact store, the boundary."""
    preview_project_name: pulumi.Input[str]
    preview_project_arn: pulumi.Input[str]
    deploy_project_name: pulumi.Input[str]
    deploy_project_arn: pulumi.Input[str]
    manual_approval: bool
    app_source: PipelineSource
    """The app repository: the deploy stage runs its release tool after ``pulumi up``."""


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
            source_stage(args.base.source, args.app_source),
            aws.codepipeline.PipelineStageArgs(
                name="Preview", actions=[build_action("PulumiPreview", args.preview_project_name)]
            ),
        ]
        if args.manual_approval:
            stages.append(
                approval_stage(
                    "Review the preview in the Preview stage's build logs, then approve to run "
                    "pulumi up."
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
            args.base,
            project_arns=[args.preview_project_arn, args.deploy_project_arn],
            stages=stages,
        )
        self.pipeline_name = pipeline.name
        self.pipeline_arn = pipeline.arn
        self.register_outputs({"pipeline_name": self.pipeline_name})
