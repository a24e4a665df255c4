"""Both pipelines and what they run on: the artifact bucket and three CodeBuild projects.

As in the talk, the infra stack defines the app pipeline too, which is what lets it hand
every name the app side needs to CodeBuild as an environment variable. A promoted stage
(README, "Build once, promote") has the promote pipeline in place of the app pipeline:
it builds nothing.

A little over the project's ~400-line guide: the references the pipelines take (images,
web service, promotion) are declared here beside the one component that reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pulumi

from infra_pulumi.components.app_pipeline import AppPipeline, AppPipelineArgs
from infra_pulumi.components.artifact_bucket import ArtifactBucket, ArtifactBucketArgs
from infra_pulumi.components.build_project import BuildProject, BuildProjectArgs
from infra_pulumi.components.ecs_deploy import EcsDeployTarget
from infra_pulumi.components.permissions_boundary import BoundaryScope
from infra_pulumi.components.pipeline_policies import (
    POWER_USER_ACCESS,
    LambdaReleaseArns,
    ReleaseLocks,
    app_build_statements,
    infra_deploy_statements,
    infra_release_statements,
    promote_build_statements,
)
from infra_pulumi.components.pipelines import (
    InfraPipeline,
    InfraPipelineArgs,
    PipelineBase,
    PipelineSource,
)
from infra_pulumi.components.preview_policies import (
    PreviewReads,
    StateFolder,
    preview_statements,
)
from infra_pulumi.components.promote_pipeline import PromotePipeline, PromotePipelineArgs
from infra_pulumi.delivery_config import PipelinesConfig
from infra_pulumi.naming import IMAGES, Naming, platform


@dataclass
class ImageRepositoryRef:
    """What the app build needs to know about one image repository."""

    url: pulumi.Input[str]
    arn: pulumi.Input[str]


@dataclass
class WebServiceRef:
    """What the app pipeline's ECS deploy action needs to know about the web service."""

    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    service_arn: pulumi.Input[str]
    task_definition_family: str
    role_arns: list[pulumi.Input[str]]


@dataclass
class PromotionRefs:
    """A promoted stage's build stage, for its promote pipeline (exact names and ARNs)."""

    source_stack: str
    reader_role_arn: str
    source_repository_arns: Sequence[str]
    """The build stage's repositories, in ``IMAGES`` order."""
    source_web_repository_url: str
    """What the web tasks pull: ``imagedefinitions.json`` names it with the digest."""
    digest_parameter_arns: Sequence[pulumi.Input[str]]
    """This stage's digest parameters, in ``IMAGES`` order."""
    buildspec: str
    """``infra_pulumi/buildspec-promote.yml``'s text: the pipeline's source is the app
    repository, so the project carries its buildspec inline."""


@dataclass
class DeliveryPipelinesArgs:
    """Inputs of ``DeliveryPipelines``."""

    config: PipelinesConfig
    names: Naming
    manual_approval: bool
    account_id: str
    region: str
    partition: str
    lambda_repository: ImageRepositoryRef
    web_repository: ImageRepositoryRef
    tag_parameter_arns: Sequence[pulumi.Input[str]]
    """One per image, in ``IMAGES`` order (as is the next)."""
    failed_releases_parameter_arns: Sequence[str]
    release_locks: ReleaseLocks
    """Both images' release locks: the SSM parameters and the lock table's items."""
    manifest_parameter_arn: pulumi.Input[str]
    lambda_release: LambdaReleaseArns
    """The functions, their aliases and CodeDeploy groups a Lambda release touches."""
    web_service: WebServiceRef
    boundary_scope: BoundaryScope
    """Whose boundary the deploy role's IAM writes require (see permissions_boundary.py)."""
    permissions_boundary: pulumi.Input[str]
    """The boundary's ARN, carried by every role these pipelines create."""
    preview_reads: PreviewReads
    """What the Preview stage's ``pulumi preview`` reads (its state folder is added here)."""
    protect_data: bool
    """Protect the artifact bucket; else ``pulumi destroy`` empties it."""
    artifact_access_logs: tuple[pulumi.Input[str], str] | None = None
    """``(log bucket, key prefix)``: S3 server access logs of the artifact bucket."""
    architecture: str = "x86_64"
    """The stack's image architecture: build hosts match it."""
    log_retention_days: int = 30
    kms_key_arn: pulumi.Input[str] | None = None
    promotion: PromotionRefs | None = None
    """A promoted stage's build stage: the promote pipeline replaces the app pipeline."""


@dataclass(frozen=True)
class _BuildProjects:
    """The pipelines' CodeBuild projects: each one's arguments from its short name (the
    names, artifact bucket, log retention, key and boundary every project shares), and the
    project itself, a child of the pipelines component."""

    args: DeliveryPipelinesArgs
    artifact_bucket_arn: pulumi.Input[str]
    opts: pulumi.ResourceOptions

    def arguments(self, short: str, description: str, buildspec: str) -> BuildProjectArgs:
        args, names = self.args, self.args.names
        return BuildProjectArgs(
            project_name=names.build_project(short),
            role_name=names.build_role(short),
            log_group_name=names.build_log_group(short),
            description=description,
            buildspec=buildspec,
            artifact_bucket_arn=self.artifact_bucket_arn,
            account_id=args.account_id,
            log_retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            architecture=args.architecture,
            permissions_boundary=args.permissions_boundary,
        )

    def create(self, short: str, project_args: BuildProjectArgs) -> BuildProject:
        return BuildProject(short, project_args, opts=self.opts)


class DeliveryPipelines(pulumi.ComponentResource):
    """The infra pipeline (preview, approve, up), and the app pipeline (build, release, ECS)
    or, in a promoted stage, the promote pipeline (plan, approve, promote, ECS)."""

    infra_pipeline_name: pulumi.Output[str]
    app_pipeline_name: pulumi.Output[str]
    """The app pipeline's name, or in a promoted stage the promote pipeline's."""
    artifact_bucket_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: DeliveryPipelinesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:DeliveryPipelines", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        names, pipelines = args.names, args.config
        artifacts = ArtifactBucket(
            "artifacts",
            ArtifactBucketArgs(
                bucket_prefix=names.artifact_bucket_prefix,
                account_id=args.account_id,
                kms_key_arn=args.kms_key_arn,
                force_destroy=not args.protect_data,
                access_logs=args.artifact_access_logs,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect_data),
        )

        def base(pipeline: str, repository: str) -> PipelineBase:
            """A pipeline's name, source, artifact store and boundary."""
            return PipelineBase(
                names.pipeline(pipeline),
                PipelineSource(pipelines.connection_arn, repository, pipelines.branch),
                args.account_id,
                artifacts.bucket_name,
                artifacts.bucket_arn,
                args.kms_key_arn,
                args.permissions_boundary,
            )

        projects = _BuildProjects(args, artifacts.bucket_arn, child)
        infra_pipeline = self._infra_pipeline(
            args, projects, base("infra", pipelines.infra_repository)
        )
        promotion = args.promotion
        if promotion is None:
            app_pipeline_name = self._app_pipeline(
                args, projects, base("app", pipelines.app_repository)
            )
        else:
            app_pipeline_name = self._promote_pipeline(
                args, promotion, projects, base("promote", pipelines.app_repository)
            )
        self.infra_pipeline_name = infra_pipeline.pipeline_name
        self.app_pipeline_name = app_pipeline_name
        self.artifact_bucket_name = artifacts.bucket_name
        self.register_outputs(
            {
                "infra_pipeline_name": self.infra_pipeline_name,
                "app_pipeline_name": self.app_pipeline_name,
            }
        )

    def _infra_pipeline(
        self,
        args: DeliveryPipelinesArgs,
        projects: _BuildProjects,
        base: PipelineBase,
    ) -> InfraPipeline:
        """The infra pipeline: preview, (approve), then `pulumi up` and a release."""
        pipelines = args.config
        backend = pipelines.state_backend
        infra_env: dict[str, pulumi.Input[str]] = {
            "PULUMI_STACK": args.names.stack,
            "PULUMI_VERSION": pipelines.pulumi_version,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }
        if backend.url is not None:
            infra_env["PULUMI_BACKEND_URL"] = backend.url
        secret_name = "PULUMI_CONFIG_PASSPHRASE" if backend.url else "PULUMI_ACCESS_TOKEN"
        infra_secrets = {secret_name: backend.secret_arn}

        preview = projects.arguments(
            "infra-preview",
            "pulumi preview of the infra stack",
            "infra_pulumi/buildspec-preview.yml",
        )
        preview.environment, preview.secret_environment = infra_env, infra_secrets
        # Exactly what the program's preview reads (not AWS's ReadOnlyAccess, which would
        # read every object of every bucket, other projects' state included).
        preview.statements = preview_statements(
            replace(
                args.preview_reads,
                state=StateFolder(backend.state_bucket, backend.state_prefix)
                if backend.state_bucket
                else None,
            )
        )
        # pulumi-docker's provider may connect to the Docker daemon as soon as it is
        # configured, even for a preview that builds nothing (older providers failed with
        # "Error pinging Docker server"); whether 5.x still does could not be checked
        # offline. Privileged mode starts a daemon in the build, so the Preview stage
        # works either way. The role stays read-only.
        preview.privileged = True
        preview_build = projects.create("infra-preview", preview)
        deploy = self._deploy_project(args, projects, infra_env)
        deploy.secret_environment = infra_secrets
        deploy_build = projects.create("infra-deploy", deploy)
        return InfraPipeline(
            "infra-pipeline",
            InfraPipelineArgs(
                base=base,
                preview_project_name=preview_build.project_name,
                preview_project_arn=preview_build.project_arn,
                deploy_project_name=deploy_build.project_name,
                deploy_project_arn=deploy_build.project_arn,
                manual_approval=args.manual_approval,
                app_source=PipelineSource(
                    pipelines.connection_arn, pipelines.app_repository, pipelines.branch
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    @staticmethod
    def _deploy_project(
        args: DeliveryPipelinesArgs,
        projects: _BuildProjects,
        infra_env: dict[str, pulumi.Input[str]],
    ) -> BuildProjectArgs:
        """The Deploy stage's build: `pulumi up` under the release locks, then a release."""
        names = args.names
        deploy = projects.arguments(
            "infra-deploy", "pulumi up of the infra stack", "infra_pulumi/buildspec-deploy.yml"
        )
        # After `pulumi up`, the stage releases the recorded Lambda tag with the app's
        # release tool, so a configuration change is published and shifted through
        # CodeDeploy like a release (buildspec-deploy.yml); the tool finds its targets
        # through the manifest, the tag through the tag parameter.
        deploy.environment = {
            **infra_env,
            "DEPLOY_MANIFEST_PARAMETER": names.manifest_parameter,
            "LAMBDA_TAG_PARAMETER": names.tag_parameter("lambda"),
        }
        lambda_index = IMAGES.index("lambda")  # the per-image ARN lists follow IMAGES
        promotion = args.promotion
        deploy.managed_policy_arns = [POWER_USER_ACCESS]
        deploy.statements = [
            *infra_deploy_statements(args.boundary_scope),
            *infra_release_statements(
                # A promoted stage's functions run the build stage's Lambda repository; its
                # own holds the placeholder.
                lambda_repository_arns=[args.lambda_repository.arn]
                if promotion is None
                else [promotion.source_repository_arns[lambda_index], args.lambda_repository.arn],
                tag_parameter_arn=args.tag_parameter_arns[lambda_index],
                # Both images' locks: `pulumi up` runs under them (app.deploy hold).
                locks=args.release_locks,
                failed_releases_parameter_arn=args.failed_releases_parameter_arns[lambda_index],
                manifest_parameter_arn=args.manifest_parameter_arn,
                lambda_release=args.lambda_release,
                digest_parameter_arn=None
                if promotion is None
                else promotion.digest_parameter_arns[lambda_index],
            ),
        ]
        deploy.privileged = True  # `pulumi up` builds the placeholder images
        deploy.timeout_minutes = 60
        return deploy

    def _app_pipeline(
        self,
        args: DeliveryPipelinesArgs,
        projects: _BuildProjects,
        base: PipelineBase,
    ) -> pulumi.Output[str]:
        """The build stage's app pipeline: build, push, release, then ECS."""
        names = args.names
        # The talk's key-name sharing: every name the app side needs arrives as an
        # environment variable, so nothing is hard-coded in the app repository.
        app = projects.arguments(
            "app-build", "Build and push the app images, then release them", "app/buildspec.yml"
        )
        app.environment = {
            "DEPLOY_MANIFEST_PARAMETER": names.manifest_parameter,
            "LAMBDA_TAG_PARAMETER": names.tag_parameter("lambda"),
            "WEB_TAG_PARAMETER": names.tag_parameter("web"),
            "LAMBDA_REPOSITORY_URL": args.lambda_repository.url,
            "WEB_REPOSITORY_URL": args.web_repository.url,
            "ECR_REGISTRY": pulumi.Output.from_input(args.lambda_repository.url).apply(
                lambda url: url.split("/")[0]
            ),
            # The platform both images are built for; the build host has the same
            # architecture, so `docker build --platform` needs no emulation.
            "IMAGE_PLATFORM": platform(args.architecture),
        }
        app.statements = app_build_statements(
            repository_arns=[args.lambda_repository.arn, args.web_repository.arn],
            tag_parameter_arns=args.tag_parameter_arns,
            locks=args.release_locks,
            failed_releases_parameter_arns=args.failed_releases_parameter_arns,
            manifest_parameter_arn=args.manifest_parameter_arn,
            lambda_release=args.lambda_release,
            service_arn=args.web_service.service_arn,
        )
        app.privileged = True  # docker build and push
        app_build = projects.create("app-build", app)

        app_pipeline = AppPipeline(
            "app-pipeline",
            AppPipelineArgs(
                base=base,
                build_project_name=app_build.project_name,
                build_project_arn=app_build.project_arn,
                web=self._web_target(args),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return app_pipeline.pipeline_name

    def _promote_pipeline(
        self,
        args: DeliveryPipelinesArgs,
        promotion: PromotionRefs,
        projects: _BuildProjects,
        base: PipelineBase,
    ) -> pulumi.Output[str]:
        """A promoted stage's promote pipeline: plan, approve, promote, then ECS."""
        names = args.names
        promote = projects.arguments(
            "promote",
            f"Promote a digest that stack {promotion.source_stack} released",
            promotion.buildspec,
        )
        promote.environment = {
            "DEPLOY_MANIFEST_PARAMETER": names.manifest_parameter,
            "PROMOTE_FROM": promotion.source_stack,
            "WEB_REPOSITORY_URL": promotion.source_web_repository_url,
        }
        promote.statements = promote_build_statements(
            reader_role_arn=promotion.reader_role_arn,
            source_repository_arns=promotion.source_repository_arns,
            own_repository_arns=[args.lambda_repository.arn, args.web_repository.arn],
            tag_parameter_arns=args.tag_parameter_arns,
            digest_parameter_arns=promotion.digest_parameter_arns,
            locks=args.release_locks,
            failed_releases_parameter_arns=args.failed_releases_parameter_arns,
            manifest_parameter_arn=args.manifest_parameter_arn,
            lambda_release=args.lambda_release,
            service_arn=args.web_service.service_arn,
        )
        promote_build = projects.create("promote", promote)  # no Docker: it builds nothing
        pipeline = PromotePipeline(
            "promote-pipeline",
            PromotePipelineArgs(
                base=base,
                project_name=promote_build.project_name,
                project_arn=promote_build.project_arn,
                web=self._web_target(args),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pipeline.pipeline_name

    @staticmethod
    def _web_target(args: DeliveryPipelinesArgs) -> EcsDeployTarget:
        """The web service that the last stage of the app or promote pipeline rolls out."""
        return EcsDeployTarget(
            cluster_name=args.web_service.cluster_name,
            service_name=args.web_service.service_name,
            service_arn=args.web_service.service_arn,
            task_definition_family=args.web_service.task_definition_family,
            task_role_arns=args.web_service.role_arns,
            region=args.region,
            account_id=args.account_id,
            partition=args.partition,
        )
