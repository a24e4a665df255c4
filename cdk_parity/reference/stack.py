"""The talk's CDK stack, built from the same stack config as the Pulumi program: wiring only.

It shares with the Pulumi program only its inputs: the validated stack config and the
physical-name convention (``config``, ``naming`` in this package). Each concern is a
module of this package. Those that build several constructs add them to the stack itself
rather than to a construct of their own: a construct's path is its resources' logical
IDs, and a new scope would rename, so replace, every resource of a deployed stack.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnOutput, Environment, Stack, Token
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_parity.reference.access_logs import access_log_bucket
from cdk_parity.reference.boundary import permissions_boundary
from cdk_parity.reference.config import CdkStackConfig, StackConfig
from cdk_parity.reference.delivery import delivery_pipelines
from cdk_parity.reference.encryption import stack_encryption
from cdk_parity.reference.flow_logs import vpc_flow_logs
from cdk_parity.reference.functions import container_functions
from cdk_parity.reference.github_preview import github_preview_role
from cdk_parity.reference.images import Images, images
from cdk_parity.reference.lifecycle import logs_follow_data
from cdk_parity.reference.load_balancer import WebLoadBalancer
from cdk_parity.reference.manifest import deploy_manifest
from cdk_parity.reference.network import Network
from cdk_parity.reference.pipeline_policies import grant_promote_tool, grant_release_tool
from cdk_parity.reference.preview_reads import PreviewReads
from cdk_parity.reference.promotion import (
    NO_DIGEST,
    BuildStage,
    PromotedStage,
    ReaderGrants,
    build_stage,
    check_digest,
    digest_parameter,
    digest_parameters,
    parameter_arns,
    promoted_stages,
    promotion_reader,
)
from cdk_parity.reference.release_locks import release_lock_table
from cdk_parity.reference.releases import LambdaReleases, lambda_releases
from cdk_parity.reference.tag_lookup import ResolvedTag, TagLookupOptions, TagMode, resolve_tag
from cdk_parity.reference.tags import IMAGES
from cdk_parity.reference.web_service import WebService


class ContainerDeliveryStack(Stack):
    """ECR, placeholder, tag parameters, Lambda functions, web service, pipelines, every
    role under the stack's permissions boundary."""

    resolved_tags: dict[str, ResolvedTag]
    resolved_digests: dict[str, ResolvedTag]
    """A promoted stage's digest parameters, resolved like the tags."""

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
        function_names = [config.naming.function(fn.name) for fn in config.lambda_functions]
        # Known before the functions exist, so the repository policy can name them.
        function_arns = [self._function_arn(physical) for physical in function_names]
        source = build_stage(settings)
        stages = promoted_stages(settings)
        self.resolved_digests = (
            self._resolve_tags(settings, tag_lookup, digests=True) if source is not None else {}
        )
        # In deploy-time mode a promoted stage's template names the digest parameter only
        # (CloudFormation resolves it); reading the tag parameter too would leave an
        # unused template parameter.
        self.resolved_tags = (
            dict(self.resolved_digests)
            if source is not None and tag_lookup.mode is TagMode.DEPLOY_TIME
            else self._resolve_tags(settings, tag_lookup)
        )
        permissions_boundary(self, config, source)
        logs_follow_data(self, config)
        key = stack_encryption(self, config, function_names)
        key_arn = key.key_arn if key is not None else None
        built = images(
            self, config, kms_key_arn=key_arn, lambda_function_arns=function_arns, stages=stages
        )
        digests = digest_parameters(self, config) if source is not None else {}
        lambda_image = self._image("lambda", built, source)
        functions = container_functions(
            self,
            config,
            repository=lambda_image[0],
            tag=lambda_image[1],
            placeholder=built.placeholders["lambda"],
            kms_key_arn=key_arn,
        )
        releases = lambda_releases(self, config, functions)
        access_logs = access_log_bucket(self, config)
        site, web = self._web(config, built, key_arn, access_logs, source)
        reads = PreviewReads(
            tag_parameter_arns=[
                *(p.parameter_arn for p in built.tag_parameters.values()),
                *(p.parameter_arn for p in digests.values()),
            ],
            function_arns=function_arns,
            service_arn=web.service.service_arn,
            repository_arns=[r.repository_arn for r in built.repositories.values()]
            + ([source.repository_arn(self, image) for image in IMAGES] if source else []),
        )
        locks = release_lock_table(self, config)
        manifest = deploy_manifest(
            self,
            config,
            repositories=built.repositories,
            functions=functions,
            releases=releases,
            web=web,
            lock_table=locks,
            source=source,
        )
        if config.pipelines is not None:
            self._pipelines(
                settings, key, built, digests, function_arns, releases, web, manifest, locks,
                reads, access_logs, source,
            )  # fmt: skip
        if stages:
            self._promotion_reader(config, stages, built, manifest, function_arns, web)
        if config.github_preview is not None:
            github_preview_role(self, config, reads=reads)
        CfnOutput(self, "LambdaRepositoryUrl", value=built.repositories["lambda"].repository_uri)
        CfnOutput(self, "WebRepositoryUrl", value=built.repositories["web"].repository_uri)
        CfnOutput(self, "DeployManifestParameter", value=manifest.parameter_name)
        CfnOutput(self, "SiteUrl", value=f"http://{site.load_balancer.load_balancer_dns_name}")

    def _pipelines(
        self,
        settings: CdkStackConfig,
        key: kms.IKey | None,
        built: Images,
        digests: dict[str, ssm.StringParameter],
        function_arns: list[str],
        releases: LambdaReleases,
        web: WebService,
        manifest: ssm.StringParameter,
        locks: dynamodb.Table,
        reads: PreviewReads,
        access_logs: s3.Bucket | None,
        source: BuildStage | None,
    ) -> None:
        """The delivery pipelines, and the grants of the app or promote build's tool."""
        config = settings.config
        app_build = delivery_pipelines(
            self,
            settings,
            kms_key=key,
            repositories=built.repositories,
            service=web.service,
            preview_reads=reads,
            access_logs=access_logs,
            source=source,
        )
        if source is None:
            self._grant_release_tool(
                settings, app_build, built, function_arns, releases, web, manifest, locks
            )
        else:
            grant_promote_tool(
                self,
                app_build,
                naming=config.naming,
                source=source,
                repositories=built.repositories,
                tag_parameters=built.tag_parameters,
                digest_parameters=digests,
                manifest=manifest,
                lock_table=locks,
                function_arns=function_arns,
                releases=releases,
                service=web.service,
            )

    def _promotion_reader(
        self,
        config: StackConfig,
        stages: list[PromotedStage],
        built: Images,
        manifest: ssm.StringParameter,
        function_arns: list[str],
        web: WebService,
    ) -> None:
        """A build stage's reader role, for the stages that promote from it."""
        names = config.naming
        promotion_reader(
            self,
            config,
            stages,
            ReaderGrants(
                repositories=list(built.repositories.values()),
                parameter_arns=[
                    manifest.parameter_arn,
                    *(p.parameter_arn for p in built.tag_parameters.values()),
                    *parameter_arns(self, [names.failed_releases_parameter(i) for i in IMAGES]),
                ],
                function_arns=function_arns,
                service_arn=web.service.service_arn,
            ),
        )

    def _resolve_tags(
        self, settings: CdkStackConfig, tag_lookup: TagLookupOptions, *, digests: bool = False
    ) -> dict[str, ResolvedTag]:
        """Each image's tag (or, ``digests``, its promoted digest); the selected mode
        decides when it is resolved."""
        names = settings.config.naming
        return {
            image: resolve_tag(
                self,
                image,
                digest_parameter(names, image) if digests else names.tag_parameter(image),
                region=settings.region,
                account=settings.account,
                options=tag_lookup,
                check=check_digest if digests else None,
            )
            for image in IMAGES
        }

    def _image(
        self, image: str, built: Images, source: BuildStage | None
    ) -> tuple[ecr.IRepository, str]:
        """The repository and tag (or digest) an image's consumers run: in a promoted stage
        the build stage's repository at the recorded digest, else this stack's own. A
        deploy-time digest is a token that CloudFormation resolves: it always names the
        build stage (the first deploy of a promoted stage then needs a promotion first)."""
        if source is None:
            return built.repositories[image], self.resolved_tags[image].tag
        digest = self.resolved_digests[image].tag
        if Token.is_unresolved(digest) or digest != NO_DIGEST:
            return source.repository(self, image), digest
        return built.repositories[image], self.resolved_tags[image].tag

    def _grant_release_tool(
        self,
        settings: CdkStackConfig,
        app_build: codebuild.PipelineProject,
        built: Images,
        function_arns: list[str],
        releases: LambdaReleases,
        web: WebService,
        manifest: ssm.StringParameter,
        locks: dynamodb.Table,
    ) -> None:
        """What the app build's release tool may do."""
        grant_release_tool(
            self,
            app_build,
            naming=settings.config.naming,
            repositories=built.repositories,
            tag_parameters=built.tag_parameters,
            manifest=manifest,
            lock_table=locks,
            function_arns=function_arns,
            releases=releases,
            service=web.service,
        )

    def _function_arn(self, physical: str) -> str:
        return self.format_arn(
            service="lambda",
            resource="function",
            resource_name=physical,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def _web(
        self,
        config: StackConfig,
        built: Images,
        kms_key_arn: str | None,
        access_logs: s3.IBucket | None,
        source: BuildStage | None,
    ) -> tuple[WebLoadBalancer, WebService]:
        """The VPC (with its flow logs), the load balancer (with its access logs) and the
        web service, once the placeholder exists."""
        vpc = Network(self, "Network", name_prefix=config.naming.prefix, network=config.network)
        vpc_flow_logs(self, config, vpc=vpc.vpc, kms_key_arn=kms_key_arn)
        load_balancer = WebLoadBalancer(
            self,
            "Web",
            naming=config.naming,
            vpc=vpc.vpc,
            web=config.web,
            access_logs=access_logs if config.access_log("load_balancer") else None,
        )
        repository, tag = self._image("web", built, source)
        # A promoted stage's tasks pull this stack's placeholder before the first
        # promotion and the build stage's digests after it: both, whichever runs now.
        others = (
            [] if source is None else [built.repositories["web"], source.repository(self, "web")]
        )
        web = WebService(
            self,
            "WebService",
            naming=config.naming,
            vpc=vpc.vpc,
            web=config.web,
            repository=repository,
            tag=tag,
            also_pulls=[r for r in others if r.node.path != repository.node.path],
            load_balancer=load_balancer,
            log_retention_days=config.log_retention_days,
            kms_key_arn=kms_key_arn,
            arm64=config.lambda_architecture == "arm64",
        )
        web.task_definition.node.add_dependency(built.placeholders["web"].deployment)
        return load_balancer, web
