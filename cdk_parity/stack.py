"""The talk's CDK stack, built from the same stack config as the Pulumi program.

This module wires the constructs together the way ``infra_pulumi/__main__.py`` wires
the components, with the same physical names, so the comparison can pair resources.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Aws, CfnOutput, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_parity.config import CdkStackConfig
from cdk_parity.functions import ContainerFunction
from cdk_parity.images import ImageRepository, ImageTagParameter, PlaceholderImage
from cdk_parity.pipelines import AppPipeline, BuildProject, InfraPipeline, artifact_bucket
from cdk_parity.tag_lookup import ResolvedTag, TagLookupOptions, resolve_tag
from cdk_parity.web import Network, WebLoadBalancer, WebService
from infra_pulumi.components.github_preview import (
    GITHUB_OIDC_HOST,
    GithubPreviewRoleArgs,
    preview_statements,
)
from infra_pulumi.components.manifest import EcsTarget, ManifestImage, manifest_document
from infra_pulumi.components.pipeline_policies import (
    POWER_USER_ACCESS,
    READ_ONLY_ACCESS,
    app_build_statements,
    infra_deploy_statements,
)
from infra_pulumi.components.pipelines import PipelineSource
from infra_pulumi.components.web_service import WEB_CONTAINER
from infra_pulumi.plan.runner import PROJECT_ROOT


class ContainerDeliveryStack(Stack):
    """ECR, placeholder, tag parameters, Lambda functions, web service, pipelines."""

    resolved_tags: dict[str, ResolvedTag]

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: CdkStackConfig,
        tag_lookup: TagLookupOptions,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=settings.stack_name,
            env=Environment(account=settings.account, region=settings.region),
            description=f"container-delivery CDK reference ({tag_lookup.mode} tag lookup)",
        )
        config = settings.config
        names = config.naming
        kms_key = (
            kms.Key.from_key_arn(self, "Key", config.kms_key_arn) if config.kms_key_arn else None
        )
        function_names = {fn.name: names.function(fn.name) for fn in config.lambda_functions}
        function_arns = [
            self.format_arn(
                service="lambda",
                resource="function",
                resource_name=physical,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for physical in function_names.values()
        ]

        # --- Image tags: the selected mode decides when they are resolved ---------------
        self.resolved_tags = {
            image: resolve_tag(
                self,
                image,
                names.tag_parameter(image),
                region=settings.region,
                account=settings.account,
                options=tag_lookup,
            )
            for image in ("lambda", "web")
        }

        # --- ECR, the placeholders, the tag parameters ----------------------------------
        lambda_repo = ImageRepository(
            self,
            "LambdaRepository",
            repository_name=names.repository("lambda"),
            keep_images=config.ecr_keep_images,
            kms_key_arn=config.kms_key_arn,
            lambda_function_arns=function_arns,
        ).repository
        web_repo = ImageRepository(
            self,
            "WebRepository",
            repository_name=names.repository("web"),
            keep_images=config.ecr_keep_images,
            kms_key_arn=config.kms_key_arn,
        ).repository
        lambda_placeholder = PlaceholderImage(
            self,
            "LambdaPlaceholder",
            repository=lambda_repo,
            context=PROJECT_ROOT / config.placeholder_context,
            platform=config.docker_platform,
        )
        web_placeholder = PlaceholderImage(
            self,
            "WebPlaceholder",
            repository=web_repo,
            context=PROJECT_ROOT / config.web.placeholder_context,
            platform="linux/amd64",  # the task definition's runtime platform is X86_64
        )
        tag_parameters = {
            image: ImageTagParameter(
                self,
                f"{image.capitalize()}TagParameter",
                name=names.tag_parameter(image),
                image=image,
            ).parameter
            for image in ("lambda", "web")
        }

        # --- Lambda functions, all from the one Lambda image ----------------------------
        functions = {}
        for fn in config.lambda_functions:
            function = ContainerFunction(
                self,
                f"Function-{fn.name}",
                function_name=function_names[fn.name],
                role_name=names.function_role(fn.name),
                repository=lambda_repo,
                tag=self.resolved_tags["lambda"].tag,
                command=fn.command,
                memory_mb=fn.memory_mb,
                timeout_seconds=fn.timeout_seconds,
                architecture=config.lambda_architecture,
                log_retention_days=config.log_retention_days,
                environment=fn.environment,
                kms_key_arn=config.kms_key_arn,
            )
            # The talk's point 4: the function can only be created once `initial` exists.
            function.function.node.add_dependency(lambda_placeholder.deployment)
            functions[fn.name] = function.function

        # --- The web service ------------------------------------------------------------
        vpc = Network(self, "Network", name_prefix=names.prefix, network=config.network).vpc
        load_balancer = WebLoadBalancer(self, "Web", naming=names, vpc=vpc, web=config.web)
        web = WebService(
            self,
            "WebService",
            naming=names,
            vpc=vpc,
            web=config.web,
            repository=web_repo,
            tag=self.resolved_tags["web"].tag,
            load_balancer=load_balancer,
            log_retention_days=config.log_retention_days,
            kms_key_arn=config.kms_key_arn,
        )
        web.task_definition.node.add_dependency(web_placeholder.deployment)

        # --- The deploy-target manifest (beyond the talk; same document as Pulumi's) ----
        document = manifest_document(
            config.project,
            config.stack,
            {
                "lambda": ManifestImage(
                    repository_name=lambda_repo.repository_name,
                    repository_url=lambda_repo.repository_uri,
                    tag_parameter=names.tag_parameter("lambda"),
                    lambda_functions=[f.function_name for f in functions.values()],
                ),
                "web": ManifestImage(
                    repository_name=web_repo.repository_name,
                    repository_url=web_repo.repository_uri,
                    tag_parameter=names.tag_parameter("web"),
                    ecs_services=[
                        EcsTarget(
                            cluster=web.cluster.cluster_name,
                            service=web.service.service_name,
                            container=WEB_CONTAINER,
                        )
                    ],
                ),
            },
        )
        manifest = ssm.StringParameter(
            self,
            "DeployManifest",
            parameter_name=names.manifest_parameter,
            string_value=self.to_json_string(document),
            tier=ssm.ParameterTier.STANDARD,
            description="Deploy-target manifest (schema 1): read by the app release tool.",
        )

        # --- Pipelines: both defined here, as in the talk -------------------------------
        tag_parameter_arns = [p.parameter_arn for p in tag_parameters.values()]
        if config.pipelines is not None:
            self._pipelines(
                settings,
                kms_key=kms_key,
                repositories=(lambda_repo.repository_uri, web_repo.repository_uri),
                statements=app_build_statements(
                    repository_arns=[lambda_repo.repository_arn, web_repo.repository_arn],
                    tag_parameter_arns=tag_parameter_arns,
                    manifest_parameter_arn=manifest.parameter_arn,
                    function_arns=function_arns,
                    service_arn=web.service.service_arn,
                ),
                web=web,
            )

        if config.github_preview is not None:
            preview = config.github_preview
            if preview.create_oidc_provider:
                provider_arn = iam.OidcProviderNative(
                    self,
                    "GithubOidc",
                    url=f"https://{GITHUB_OIDC_HOST}",
                    client_ids=["sts.amazonaws.com"],
                ).oidc_provider_arn
            else:
                provider_arn = self.format_arn(
                    service="iam",
                    region="",
                    resource="oidc-provider",
                    resource_name=GITHUB_OIDC_HOST,
                )
            role = iam.Role(
                self,
                "GithubPreviewRole",
                role_name=f"{names.prefix}-github-preview",
                description=f"pulumi preview for pull requests of {preview.repository}",
                assumed_by=iam.WebIdentityPrincipal(
                    provider_arn,
                    {
                        "StringEquals": {
                            f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                            f"{GITHUB_OIDC_HOST}:sub": f"repo:{preview.repository}:pull_request",
                        }
                    },
                ),
            )
            for statement in preview_statements(
                GithubPreviewRoleArgs(
                    role_name=f"{names.prefix}-github-preview",
                    repository=preview.repository,
                    account_id=settings.account,
                    partition=Aws.PARTITION,
                    create_oidc_provider=preview.create_oidc_provider,
                    tag_parameter_arns=tag_parameter_arns,
                    function_arns=function_arns,
                    service_arn=web.service.service_arn,
                    state_bucket=preview.state_bucket,
                )
            ):
                role.add_to_policy(iam.PolicyStatement.from_json(statement))

        CfnOutput(self, "LambdaRepositoryUrl", value=lambda_repo.repository_uri)
        CfnOutput(self, "WebRepositoryUrl", value=web_repo.repository_uri)
        CfnOutput(self, "DeployManifestParameter", value=manifest.parameter_name)
        CfnOutput(
            self, "SiteUrl", value=f"http://{load_balancer.load_balancer.load_balancer_dns_name}"
        )

    def _pipelines(
        self,
        settings: CdkStackConfig,
        *,
        kms_key: kms.IKey | None,
        repositories: tuple[str, str],
        statements: list[dict[str, Any]],
        web: WebService,
    ) -> None:
        config = settings.config
        pipelines = config.pipelines
        assert pipelines is not None
        names = config.naming
        bucket = artifact_bucket(
            self,
            "Artifacts",
            bucket_name=f"{names.prefix}-artifacts-{settings.account}",
            kms_key=kms_key,
        )
        backend = pipelines.state_backend
        infra_env = {
            "PULUMI_STACK": config.stack,
            "PULUMI_VERSION": pipelines.pulumi_version,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }
        if backend.url is not None:
            infra_env["PULUMI_BACKEND_URL"] = backend.url
        infra_secrets = {
            (
                "PULUMI_CONFIG_PASSPHRASE" if backend.url else "PULUMI_ACCESS_TOKEN"
            ): backend.secret_arn
        }
        common: dict[str, Any] = {
            "log_retention_days": config.log_retention_days,
            "kms_key": kms_key,
        }
        preview = BuildProject(
            self,
            "InfraPreview",
            project_name=f"{names.prefix}-infra-preview",
            description="pulumi preview of the infra stack",
            buildspec="infra_pulumi/buildspec-preview.yml",
            environment=infra_env,
            secret_environment=infra_secrets,
            managed_policy_arns=[READ_ONLY_ACCESS],
            **common,
        )
        deploy = BuildProject(
            self,
            "InfraDeploy",
            project_name=f"{names.prefix}-infra-deploy",
            description="pulumi up of the infra stack",
            buildspec="infra_pulumi/buildspec-deploy.yml",
            environment=infra_env,
            secret_environment=infra_secrets,
            managed_policy_arns=[POWER_USER_ACCESS],
            statements=infra_deploy_statements(
                account_id=settings.account, partition=Aws.PARTITION, name_prefix=names.prefix
            ),
            permissions_boundary_arn=pipelines.permissions_boundary_arn,
            privileged=True,
            timeout_minutes=60,
            **common,
        )
        InfraPipeline(
            self,
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
        lambda_url, web_url = repositories
        # The talk's key-name sharing (point 6): the app side learns every name here.
        app_build = BuildProject(
            self,
            "AppBuild",
            project_name=f"{names.prefix}-app-build",
            description="Build and push the app images, then release them",
            buildspec="app/buildspec.yml",
            environment={
                "DEPLOY_MANIFEST_PARAMETER": names.manifest_parameter,
                "LAMBDA_TAG_PARAMETER": names.tag_parameter("lambda"),
                "WEB_TAG_PARAMETER": names.tag_parameter("web"),
                "LAMBDA_REPOSITORY_URL": lambda_url,
                "WEB_REPOSITORY_URL": web_url,
                "ECR_REGISTRY": f"{settings.account}.dkr.ecr.{settings.region}.{Aws.URL_SUFFIX}",
            },
            statements=statements,
            privileged=True,
            **common,
        )
        AppPipeline(
            self,
            "AppPipeline",
            pipeline_name=f"{names.prefix}-app",
            source=PipelineSource(
                pipelines.connection_arn, pipelines.app_repository, pipelines.branch
            ),
            bucket=bucket,
            build=app_build.project,
            service=web.service,
        )
