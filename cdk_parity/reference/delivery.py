"""Both pipelines and what they run on: the artifact bucket and three CodeBuild projects.

As in the talk, the infra stack defines the app pipeline too, which is what lets it hand
every name the app side needs to CodeBuild as an environment variable (point 6). The
pipelines and their actions get their roles and grants from CDK: the artifact bucket,
the builds they start, the connection, and the ECS deploy. A promoted stage builds
nothing: its promote pipeline takes the app pipeline's place.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cdk_parity.reference.artifact_bucket import artifact_bucket
from cdk_parity.reference.boundary import BoundaryScope
from cdk_parity.reference.build_project import BuildProject
from cdk_parity.reference.config import PROJECT_ROOT, CdkStackConfig, StackConfig
from cdk_parity.reference.lifecycle import data_removal
from cdk_parity.reference.pipeline_policies import deploy_iam_statements
from cdk_parity.reference.pipelines import (
    AppPipeline,
    InfraPipeline,
    PipelineSource,
    PromotePipeline,
)
from cdk_parity.reference.preview_reads import PreviewReads, preview_statements
from cdk_parity.reference.promotion import BuildStage


def delivery_pipelines(
    stack: Stack,
    settings: CdkStackConfig,
    *,
    kms_key: kms.IKey | None,
    repositories: Mapping[str, ecr.IRepository],
    service: ecs.IBaseService,
    preview_reads: PreviewReads,
    access_logs: s3.IBucket | None,
    source: BuildStage | None = None,
) -> codebuild.PipelineProject:
    """Both pipelines; returns the app build project (a promoted stage's promote build
    project), for the caller to grant to.

    ``access_logs``: where the artifact bucket's S3 server access logs go, if anywhere.
    """
    config = settings.config
    bucket = artifact_bucket(
        stack,
        "Artifacts",
        kms_key=kms_key,
        removal_policy=data_removal(config),
        access_logs=access_logs if config.access_log("artifact_bucket") else None,
    )
    _infra_pipeline(stack, config, bucket=bucket, kms_key=kms_key, reads=preview_reads)
    if source is not None:
        return _promote_pipeline(
            stack, config, source, bucket=bucket, kms_key=kms_key, service=service
        )
    return _app_pipeline(
        stack, settings, bucket=bucket, kms_key=kms_key, repositories=repositories, service=service
    )


def _infra_environment(config: StackConfig) -> tuple[dict[str, str], dict[str, str]]:
    """The infra builds' variables, and their secret: the state backend's passphrase for a
    self-managed backend, or a Pulumi Cloud access token."""
    pipelines = config.pipelines
    assert pipelines is not None
    backend = pipelines.state_backend
    environment = {
        "PULUMI_STACK": config.stack,
        "PULUMI_VERSION": pipelines.pulumi_version,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    if backend.url is not None:
        environment["PULUMI_BACKEND_URL"] = backend.url
    secret = "PULUMI_CONFIG_PASSPHRASE" if backend.url else "PULUMI_ACCESS_TOKEN"
    return environment, {secret: backend.secret_arn}


def _infra_pipeline(
    stack: Stack,
    config: StackConfig,
    *,
    bucket: s3.IBucket,
    kms_key: kms.IKey | None,
    reads: PreviewReads,
) -> None:
    pipelines = config.pipelines
    assert pipelines is not None
    names = config.naming
    environment, secrets = _infra_environment(config)
    preview = BuildProject(
        stack,
        "InfraPreview",
        project_name=f"{names.prefix}-infra-preview",
        description="pulumi preview of the infra stack",
        buildspec="infra_pulumi/buildspec-preview.yml",
        environment=environment,
        secret_environment=secrets,
        # The Docker provider may connect to the daemon even when it builds nothing.
        privileged=True,
        architecture=config.lambda_architecture,
        log_retention_days=config.log_retention_days,
        kms_key=kms_key,
    )
    deploy = BuildProject(
        stack,
        "InfraDeploy",
        project_name=f"{names.prefix}-infra-deploy",
        description="pulumi up of the infra stack",
        buildspec="infra_pulumi/buildspec-deploy.yml",
        environment=environment,
        secret_environment=secrets,
        # PowerUserAccess covers every service the stack uses except IAM; the stack's
        # boundary caps it. Named, because the boundary denies changes to it by ARN.
        managed_policies=["PowerUserAccess"],
        role_name=names.build_role("infra-deploy"),
        privileged=True,
        architecture=config.lambda_architecture,
        timeout_minutes=60,
        log_retention_days=config.log_retention_days,
        kms_key=kms_key,
    )
    # Exactly what the program's preview reads, the state backend's own folder included.
    backend = pipelines.state_backend
    for statement in preview_statements(
        stack, reads, state_bucket=backend.state_bucket, state_prefix=backend.state_prefix
    ):
        preview.project.add_to_role_policy(statement)
    for statement in deploy_iam_statements(BoundaryScope.of(stack, config)):
        deploy.project.add_to_role_policy(statement)
    InfraPipeline(
        stack,
        "InfraPipeline",
        pipeline_name=f"{names.prefix}-infra",
        source=PipelineSource(
            pipelines.connection_arn, pipelines.infra_repository, pipelines.branch
        ),
        bucket=bucket,
        preview=preview.project,
        deploy=deploy.project,
        manual_approval=config.manual_approval,
    )


def _app_pipeline(
    stack: Stack,
    settings: CdkStackConfig,
    *,
    bucket: s3.IBucket,
    kms_key: kms.IKey | None,
    repositories: Mapping[str, ecr.IRepository],
    service: ecs.IBaseService,
) -> codebuild.PipelineProject:
    config = settings.config
    pipelines = config.pipelines
    assert pipelines is not None
    names = config.naming
    # The talk's key-name sharing (point 6): the app side learns every name here.
    app_build = BuildProject(
        stack,
        "AppBuild",
        project_name=f"{names.prefix}-app-build",
        description="Build and push the app images, then release them",
        buildspec="app/buildspec.yml",
        environment={
            "DEPLOY_MANIFEST_PARAMETER": names.manifest_parameter,
            "LAMBDA_TAG_PARAMETER": names.tag_parameter("lambda"),
            "WEB_TAG_PARAMETER": names.tag_parameter("web"),
            "LAMBDA_REPOSITORY_URL": repositories["lambda"].repository_uri,
            "WEB_REPOSITORY_URL": repositories["web"].repository_uri,
            "ECR_REGISTRY": f"{settings.account}.dkr.ecr.{settings.region}.{Aws.URL_SUFFIX}",
            "IMAGE_PLATFORM": config.docker_platform,
        },
        privileged=True,
        architecture=config.lambda_architecture,
        log_retention_days=config.log_retention_days,
        kms_key=kms_key,
    ).project
    AppPipeline(
        stack,
        "AppPipeline",
        pipeline_name=f"{names.prefix}-app",
        source=PipelineSource(pipelines.connection_arn, pipelines.app_repository, pipelines.branch),
        bucket=bucket,
        build=app_build,
        service=service,
    )
    return app_build


def _promote_pipeline(
    stack: Stack,
    config: StackConfig,
    source: BuildStage,
    *,
    bucket: s3.IBucket,
    kms_key: kms.IKey | None,
    service: ecs.IBaseService,
) -> codebuild.PipelineProject:
    """The promote pipeline and its build project, which builds nothing (no Docker)."""
    pipelines = config.pipelines
    assert pipelines is not None
    names = config.naming
    # The pipeline's source is the app repository: the buildspec travels inline, from
    # the infra repository's file.
    buildspec = (PROJECT_ROOT / "infra_pulumi" / "buildspec-promote.yml").read_text(
        encoding="utf-8"
    )
    project = BuildProject(
        stack,
        "Promote",
        project_name=f"{names.prefix}-promote",
        description=f"Promote a digest that stack {source.naming.stack} released",
        buildspec=buildspec,
        environment={
            "DEPLOY_MANIFEST_PARAMETER": names.manifest_parameter,
            "PROMOTE_FROM": source.naming.stack,
            "WEB_REPOSITORY_URL": (
                f"{source.account}.dkr.ecr.{source.region}.{Aws.URL_SUFFIX}/"
                f"{source.naming.repository('web')}"
            ),
        },
        architecture=config.lambda_architecture,
        log_retention_days=config.log_retention_days,
        kms_key=kms_key,
    ).project
    PromotePipeline(
        stack,
        "PromotePipeline",
        pipeline_name=f"{names.prefix}-promote",
        source=PipelineSource(pipelines.connection_arn, pipelines.app_repository, pipelines.branch),
        bucket=bucket,
        project=project,
        service=service,
    )
    return project
