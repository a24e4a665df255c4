"""The talk's CDK stack, built from the same stack config as the Pulumi program.

It shares with the Pulumi program only its inputs: the validated stack config and the
physical-name convention (``config``, ``naming`` in this package). Policies, patterns,
lifecycle rules and the manifest are written here from the talk and from AWS's and
CDK's documentation, the way a CDK user writes them, so the comparison can see a
mistake on either side.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Aws, CfnOutput, Environment, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_parity.reference.config import PROJECT_ROOT, CdkStackConfig, StackConfig
from cdk_parity.reference.encryption import stack_key
from cdk_parity.reference.functions import ContainerFunction
from cdk_parity.reference.images import ImageRepository, ImageTagParameter, PlaceholderImage
from cdk_parity.reference.manifest import EcsServiceTarget, ImageTargets, LambdaTarget, document
from cdk_parity.reference.pipelines import (
    AppPipeline,
    BuildProject,
    InfraPipeline,
    PipelineSource,
    artifact_bucket,
)
from cdk_parity.reference.releases import LiveRelease, service_role
from cdk_parity.reference.tag_lookup import ResolvedTag, TagLookupOptions, resolve_tag
from cdk_parity.reference.tags import IMAGES
from cdk_parity.reference.web import WEB_CONTAINER, Network, WebLoadBalancer, WebService

#: GitHub Actions' OIDC issuer (GitHub's "Configuring OpenID Connect in AWS").
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"

#: Services the infra deploy role may hand this stack's roles to (iam:PassedToService).
_ROLE_SERVICES = (
    "codebuild.amazonaws.com",
    "codedeploy.amazonaws.com",  # the deployment groups' service role
    "codepipeline.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "lambda.amazonaws.com",
    "scheduler.amazonaws.com",  # the schedules' roles
)


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
        function_names = {fn.name: names.function(fn.name) for fn in config.lambda_functions}
        # Known before the functions exist, so the repository policy can name them.
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
            for image in IMAGES
        }

        # --- Encryption: AWS-managed keys, or the stack's own key, or a brought-in one --
        key: kms.IKey | None = None
        if config.create_kms_key:
            log_groups = [f"/aws/lambda/{physical}" for physical in function_names.values()]
            log_groups.append(f"/ecs/{names.web_service}")
            if config.pipelines is not None:
                log_groups += [
                    f"/aws/codebuild/{names.prefix}-{short}"
                    for short in ("infra-preview", "infra-deploy", "app-build")
                ]
            key = stack_key(self, "StackKey", alias=names.kms_alias, log_groups=log_groups)
        elif config.kms_key_arn:
            key = kms.Key.from_key_arn(self, "Key", config.kms_key_arn)
        kms_key_arn = key.key_arn if key is not None else None

        # --- ECR, the placeholders, the tag parameters ----------------------------------
        repositories = {
            image: ImageRepository(
                self,
                f"{image.capitalize()}Repository",
                repository_name=names.repository(image),
                keep_images=config.ecr_keep_images,
                kms_key_arn=kms_key_arn,
                lambda_function_arns=function_arns if image == "lambda" else (),
            ).repository
            for image in IMAGES
        }
        lambda_placeholder = PlaceholderImage(
            self,
            "LambdaPlaceholder",
            repository=repositories["lambda"],
            context=PROJECT_ROOT / config.placeholder_context,
            platform=config.docker_platform,
        )
        web_placeholder = PlaceholderImage(
            self,
            "WebPlaceholder",
            repository=repositories["web"],
            context=PROJECT_ROOT / config.web.placeholder_context,
            # One architecture per stack: the web tasks run on the functions'.
            platform=config.docker_platform,
        )
        tag_parameters = {
            image: ImageTagParameter(
                self,
                f"{image.capitalize()}TagParameter",
                name=names.tag_parameter(image),
                image=image,
            ).parameter
            for image in IMAGES
        }

        # --- Lambda functions, all from the one Lambda image ----------------------------
        functions = {}
        for fn in config.lambda_functions:
            function = ContainerFunction(
                self,
                f"Function-{fn.name}",
                function_name=function_names[fn.name],
                role_name=names.function_role(fn.name),
                repository=repositories["lambda"],
                tag=self.resolved_tags["lambda"].tag,
                command=fn.command,
                memory_mb=fn.memory_mb,
                timeout_seconds=fn.timeout_seconds,
                architecture=config.lambda_architecture,
                log_retention_days=config.log_retention_days,
                environment=fn.environment,
                kms_key_arn=kms_key_arn,
            )
            # The talk's point 4: the function can only be created once `initial` exists.
            function.function.node.add_dependency(lambda_placeholder.deployment)
            functions[fn.name] = function.function

        # --- Safe releases: a live alias per function, shifted by CodeDeploy -----------
        application = codedeploy.LambdaApplication(
            self, "CodeDeployApplication", application_name=names.codedeploy_application
        )
        codedeploy_role = service_role(self, "CodeDeployRole", role_name=names.codedeploy_role)
        releases = {
            fn.name: LiveRelease(
                self,
                f"Release-{fn.name}",
                function=functions[fn.name],
                settings=fn,
                naming=names,
                application=application,
                deployment_config_name=config.lambda_deployment.deployment_config,
                alarms=config.lambda_deployment.alarms,
                role=codedeploy_role,
            )
            for fn in config.lambda_functions
        }

        # --- The web service ------------------------------------------------------------
        vpc = Network(self, "Network", name_prefix=names.prefix, network=config.network).vpc
        load_balancer = WebLoadBalancer(self, "Web", naming=names, vpc=vpc, web=config.web)
        web = WebService(
            self,
            "WebService",
            naming=names,
            vpc=vpc,
            web=config.web,
            repository=repositories["web"],
            tag=self.resolved_tags["web"].tag,
            load_balancer=load_balancer,
            log_retention_days=config.log_retention_days,
            kms_key_arn=kms_key_arn,
            arm64=config.lambda_architecture == "arm64",
        )
        web.task_definition.node.add_dependency(web_placeholder.deployment)

        # --- The deploy-target manifest (beyond the talk; docs/app-release.md) ---------
        targets = {
            "lambda": ImageTargets(
                repository_name=repositories["lambda"].repository_name,
                repository_url=repositories["lambda"].repository_uri,
                tag_parameter=names.tag_parameter("lambda"),
                lock_parameter=names.lock_parameter("lambda"),
                failed_releases_parameter=names.failed_releases_parameter("lambda"),
                lambda_functions=[
                    LambdaTarget(
                        name=functions[short].function_name,
                        alias=release.alias.alias_name,
                        application=application.application_name,
                        deployment_group=release.deployment_group.deployment_group_name,
                    )
                    for short, release in releases.items()
                ],
            ),
            "web": ImageTargets(
                repository_name=repositories["web"].repository_name,
                repository_url=repositories["web"].repository_uri,
                tag_parameter=names.tag_parameter("web"),
                lock_parameter=names.lock_parameter("web"),
                failed_releases_parameter=names.failed_releases_parameter("web"),
                ecs_services=[
                    EcsServiceTarget(
                        cluster=web.cluster.cluster_name,
                        service=web.service.service_name,
                        container=WEB_CONTAINER,
                    )
                ],
            ),
        }
        manifest = ssm.StringParameter(
            self,
            "DeployManifest",
            parameter_name=names.manifest_parameter,
            string_value=self.to_json_string(document(config.project, config.stack, targets)),
            tier=ssm.ParameterTier.STANDARD,
            description="Deploy-target manifest (schema 2): read by the app release tool.",
        )

        # --- Pipelines: both defined here, as in the talk -------------------------------
        if config.pipelines is not None:
            app_build = self._pipelines(
                settings, kms_key=key, repositories=repositories, service=web.service
            )
            # What the app build may do: push both images, record each release, read the
            # manifest, update the named functions, read the web service.
            for repository in repositories.values():
                repository.grant_pull_push(app_build)
                repository.grant(app_build, "ecr:DescribeImages", "ecr:DescribeRepositories")
            for parameter in tag_parameters.values():
                parameter.grant_read(app_build)
                parameter.grant_write(app_build)
            app_build.add_to_role_policy(
                iam.PolicyStatement(
                    # The release tool moves labels an older version of it left on failed
                    # versions into its failed-release record.
                    actions=["ssm:UnlabelParameterVersion"],
                    resources=[p.parameter_arn for p in tag_parameters.values()],
                )
            )
            manifest.grant_read(app_build)
            # The release tool's lock (one release per image at a time): it creates the
            # parameter atomically, reads it, and deletes it at the end. The tool creates
            # it, not the stack, so it is named by ARN.
            app_build.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"],
                    resources=[
                        self.format_arn(
                            service="ssm",
                            resource="parameter",
                            resource_name=names.lock_parameter(image).lstrip("/"),
                        )
                        for image in IMAGES
                    ],
                )
            )
            # Its record of the tag versions whose release failed (rollback skips them).
            app_build.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ssm:GetParameter", "ssm:PutParameter"],
                    resources=[
                        self.format_arn(
                            service="ssm",
                            resource="parameter",
                            resource_name=names.failed_releases_parameter(image).lstrip("/"),
                        )
                        for image in IMAGES
                    ],
                )
            )
            # The release: update $LATEST, publish a version, read the alias it shifts.
            # An alias is its own IAM resource (the qualified ARN `<function>:live`).
            app_build.add_to_role_policy(
                iam.PolicyStatement(
                    actions=[
                        "lambda:GetAlias",
                        "lambda:GetFunction",
                        "lambda:GetFunctionConfiguration",
                        "lambda:PublishVersion",
                        "lambda:UpdateFunctionCode",
                    ],
                    resources=[
                        *function_arns,
                        *(release.alias.function_arn for release in releases.values()),
                    ],
                )
            )
            self._grant_codedeploy(app_build, application, list(releases.values()))
            app_build.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ecs:DescribeServices"], resources=[web.service.service_arn]
                )
            )
            app_build.add_to_role_policy(
                iam.PolicyStatement(
                    # `status` reads the service's task definition; the action takes no
                    # resource-level permissions, so IAM requires "*".
                    actions=["ecs:DescribeTaskDefinition"],
                    resources=["*"],
                )
            )

        if config.github_preview is not None:
            self._github_preview_role(
                config,
                tag_parameters=list(tag_parameters.values()),
                function_arns=function_arns,
                service=web.service,
                repositories=list(repositories.values()),
            )

        CfnOutput(self, "LambdaRepositoryUrl", value=repositories["lambda"].repository_uri)
        CfnOutput(self, "WebRepositoryUrl", value=repositories["web"].repository_uri)
        CfnOutput(self, "DeployManifestParameter", value=manifest.parameter_name)
        CfnOutput(
            self, "SiteUrl", value=f"http://{load_balancer.load_balancer.load_balancer_dns_name}"
        )

    def _grant_codedeploy(
        self,
        grantee: iam.IGrantable,
        application: codedeploy.ILambdaApplication,
        releases: list[LiveRelease],
    ) -> None:
        """What the release tool needs to shift each alias, from CodeDeploy's permissions
        reference: deployments are actions on their deployment group; CreateDeployment
        with an AppSpec revision also registers and reads the revision on the application
        and reads the deployment config (the stack's, and AllAtOnce for ``rollback``)."""
        groups = [release.deployment_group for release in releases]
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=[
                "codedeploy:BatchGetDeployments",
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:ListDeployments",
                "codedeploy:StopDeployment",
            ],
            resource_arns=[group.deployment_group_arn for group in groups],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"],
            resource_arns=[application.application_arn],
        )
        configs = {group.deployment_config.deployment_config_arn for group in groups}
        configs.add(codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE.deployment_config_arn)
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["codedeploy:GetDeploymentConfig"],
            resource_arns=sorted(configs),
        )

    def _pipelines(
        self,
        settings: CdkStackConfig,
        *,
        kms_key: kms.IKey | None,
        repositories: Mapping[str, ecr.IRepository],
        service: ecs.IBaseService,
    ) -> codebuild.PipelineProject:
        """Both pipelines; returns the app build project, for the caller to grant to.

        The pipelines and their actions get their roles and grants from CDK: the
        artifact bucket, the builds they start, the connection, and the ECS deploy.
        """
        config = settings.config
        pipelines = config.pipelines
        assert pipelines is not None
        names = config.naming
        bucket = artifact_bucket(self, "Artifacts", kms_key=kms_key)
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
        preview = BuildProject(
            self,
            "InfraPreview",
            project_name=f"{names.prefix}-infra-preview",
            description="pulumi preview of the infra stack",
            buildspec="infra_pulumi/buildspec-preview.yml",
            environment=infra_env,
            secret_environment=infra_secrets,
            managed_policies=["ReadOnlyAccess"],
            # The Docker provider may connect to the daemon even when it builds nothing.
            privileged=True,
            architecture=config.lambda_architecture,
            log_retention_days=config.log_retention_days,
            kms_key=kms_key,
        )
        deploy = BuildProject(
            self,
            "InfraDeploy",
            project_name=f"{names.prefix}-infra-deploy",
            description="pulumi up of the infra stack",
            buildspec="infra_pulumi/buildspec-deploy.yml",
            environment=infra_env,
            secret_environment=infra_secrets,
            # PowerUserAccess covers every service the stack uses except IAM.
            managed_policies=["PowerUserAccess"],
            permissions_boundary_arn=pipelines.permissions_boundary_arn,
            privileged=True,
            architecture=config.lambda_architecture,
            timeout_minutes=60,
            log_retention_days=config.log_retention_days,
            kms_key=kms_key,
        )
        for statement in self._deploy_iam_statements(names.prefix):
            deploy.project.add_to_role_policy(statement)
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
            self,
            "AppPipeline",
            pipeline_name=f"{names.prefix}-app",
            source=PipelineSource(
                pipelines.connection_arn, pipelines.app_repository, pipelines.branch
            ),
            bucket=bucket,
            build=app_build,
            service=service,
        )
        return app_build

    def _deploy_iam_statements(self, prefix: str) -> list[iam.PolicyStatement]:
        """IAM for a deploy of this stack; PowerUserAccess grants no IAM.

        From IAM's service authorization reference: managing roles with inline and
        attached policies and a boundary, passing them only to the services that assume
        them, GitHub's OIDC provider, and the service-linked roles ECS and ELB create.
        """
        roles = self.format_arn(
            service="iam", region="", resource="role", resource_name=f"{prefix}-*"
        )
        return [
            iam.PolicyStatement(
                actions=[
                    "iam:AttachRolePolicy",
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:DeleteRolePermissionsBoundary",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:ListRolePolicies",
                    "iam:PutRolePermissionsBoundary",
                    "iam:PutRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:UpdateRole",
                ],
                resources=[roles],
            ),
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[roles],
                conditions={"StringEquals": {"iam:PassedToService": list(_ROLE_SERVICES)}},
            ),
            iam.PolicyStatement(
                actions=[
                    "iam:AddClientIDToOpenIDConnectProvider",
                    "iam:CreateOpenIDConnectProvider",
                    "iam:DeleteOpenIDConnectProvider",
                    "iam:GetOpenIDConnectProvider",
                    "iam:RemoveClientIDFromOpenIDConnectProvider",
                    "iam:TagOpenIDConnectProvider",
                    "iam:UntagOpenIDConnectProvider",
                    "iam:UpdateOpenIDConnectProviderThumbprint",
                ],
                resources=[
                    self.format_arn(
                        service="iam",
                        region="",
                        resource="oidc-provider",
                        resource_name=GITHUB_OIDC_HOST,
                    )
                ],
            ),
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole"],
                resources=[
                    self.format_arn(
                        service="iam",
                        region="",
                        resource="role",
                        resource_name="aws-service-role/*",
                    )
                ],
                conditions={
                    "StringEquals": {
                        "iam:AWSServiceName": [
                            "ecs.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                        ]
                    }
                },
            ),
        ]

    def _github_preview_role(
        self,
        config: StackConfig,
        *,
        tag_parameters: list[ssm.StringParameter],
        function_arns: list[str],
        service: ecs.FargateService,
        repositories: list[ecr.IRepository],
    ) -> None:
        """What ``pulumi preview`` reads on a pull request, and nothing it could change."""
        preview = config.github_preview
        assert preview is not None
        if preview.create_oidc_provider:
            provider_arn = iam.OidcProviderNative(
                self,
                "GithubOidc",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_ids=["sts.amazonaws.com"],
            ).oidc_provider_arn
        else:
            provider_arn = self.format_arn(
                service="iam", region="", resource="oidc-provider", resource_name=GITHUB_OIDC_HOST
            )
        role_name = f"{config.naming.prefix}-github-preview"
        role = iam.Role(
            self,
            "GithubPreviewRole",
            role_name=role_name,
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
        for parameter in tag_parameters:
            parameter.grant_read(role)
        # The regression guard asks ECR which tags a digest-pinned target's image carries.
        for repository in repositories:
            repository.grant(role, "ecr:DescribeImages")
        role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:GetFunction"], resources=function_arns)
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["ecs:DescribeServices"], resources=[service.service_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                # None of these take resource-level permissions: IAM requires "*".
                actions=[
                    "ec2:DescribeAvailabilityZones",
                    "ecr:GetAuthorizationToken",
                    "ecs:DescribeTaskDefinition",
                ],
                resources=["*"],
            )
        )
        if preview.state_bucket:
            s3.Bucket.from_bucket_name(self, "StateBucket", preview.state_bucket).grant_read(role)
