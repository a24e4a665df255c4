"""The Pulumi program: read the stack config, resolve image tags, wire the components.

Pulumi's Python host runs this file with runpy; the ``infra_pulumi`` package is
importable because ``pulumi install`` installs the project (``-e ..`` in
``infra_pulumi/requirements.txt``).

It is longer than the project's ~400-line guide on purpose: it is the stack's wiring, one
call per component in the order the resources depend on each other, so the whole stack
reads top to bottom in one file. What the components do lives in ``components/``; tag
resolution in ``image_tags.py``; a promoted stage's names and checks in ``promotion.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.access_logs import (
    LOAD_BALANCER_PREFIX,
    S3_ACCESS_LOG_PREFIX,
    AccessLogBucket,
    AccessLogBucketArgs,
    elb_log_writer,
)
from infra_pulumi.components.container_function import ContainerFunction, ContainerFunctionArgs
from infra_pulumi.components.delivery import (
    DeliveryPipelines,
    DeliveryPipelinesArgs,
    ImageRepositoryRef,
    PromotionRefs,
    WebServiceRef,
)
from infra_pulumi.components.ecr import ImageRepository, ImageRepositoryArgs
from infra_pulumi.components.flow_logs import FlowLogsArgs, VpcFlowLogs
from infra_pulumi.components.github_preview import GithubPreviewRole, GithubPreviewRoleArgs
from infra_pulumi.components.kms_key import StackKey, StackKeyArgs
from infra_pulumi.components.lambda_deployment import (
    ROLLBACK_DEPLOYMENT_CONFIG,
    DeployedFunction,
    LambdaDeployments,
    LambdaDeploymentsArgs,
)
from infra_pulumi.components.load_balancer import (
    AccessLogTarget,
    WebLoadBalancer,
    WebLoadBalancerArgs,
)
from infra_pulumi.components.manifest import (
    DeployManifest,
    DeployManifestArgs,
    EcsTarget,
    LambdaTarget,
    ManifestImage,
    PromotedFrom,
)
from infra_pulumi.components.network import Network, NetworkArgs
from infra_pulumi.components.permissions_boundary import (
    BoundaryScope,
    PermissionsBoundary,
    PermissionsBoundaryArgs,
)
from infra_pulumi.components.pipeline_policies import (
    LambdaReleaseArns,
    ReleaseLocks,
    identity_provider_statements,
)
from infra_pulumi.components.placeholder import PlaceholderImage, PlaceholderImageArgs
from infra_pulumi.components.preview_policies import PreviewReads, StateFolder
from infra_pulumi.components.promotion_reader import PromotionReader, PromotionReaderArgs
from infra_pulumi.components.release_locks import ReleaseLockTable, ReleaseLockTableArgs
from infra_pulumi.components.tag_parameter import (
    ImageDigestParameter,
    ImageTagParameter,
    ImageTagParameterArgs,
)
from infra_pulumi.components.triggers import (
    AliasFunctionUrl,
    AliasFunctionUrlArgs,
    AliasSchedule,
    AliasScheduleArgs,
)
from infra_pulumi.components.web_service import WEB_CONTAINER, WebService, WebServiceArgs
from infra_pulumi.image_tags import (
    ResolvedTag,
    TagQuery,
    ecs_target,
    image_uri,
    lambda_target,
    resolve_image_tag,
    resolve_promoted_image,
)
from infra_pulumi.naming import ALARM_METRICS, IMAGES, LIVE_ALIAS, ecs_cpu_architecture
from infra_pulumi.promotion import (
    Place,
    build_stage,
    promoted_access,
    promoted_stages,
    stage_output,
)
from infra_pulumi.stack_config import load_config
from infra_pulumi.stack_overlap import check_config_stages, check_stack_overlap

config = load_config()
names = config.naming

# Function ARNs are needed before the functions exist (the repository policy must
# allow the pull first), so build them from the account, region and exact names.
identity = aws.get_caller_identity()
region = aws.get_region().region
aws_partition = aws.get_partition()
partition = aws_partition.partition
# A sibling stack named <stack>-… in this account would fall under this stack's
# <project>-<stack>-* IAM patterns (stack_overlap.py): refused before anything is planned.
check_stack_overlap(
    config.project, config.stack, identity.account_id, Path(pulumi.get_root_directory())
)
check_config_stages(config, identity.account_id)

# --- Build once, promote: the other side of a promotion, by exact names and ARNs -----
here = Place(partition, identity.account_id, region, aws_partition.dns_suffix)
source = build_stage(config.project, config.promote_from, here) if config.promote_from else None
promoted = promoted_stages(config.project, config.promotes_to, here)
function_names = {fn.name: names.function(fn.name) for fn in config.lambda_functions}
function_arns = [
    f"arn:{partition}:lambda:{region}:{identity.account_id}:function:{physical}"
    for physical in function_names.values()
]
alias_arns = [f"{arn}:{LIVE_ALIAS}" for arn in function_arns]
cluster_arn = f"arn:{partition}:ecs:{region}:{identity.account_id}:cluster/{names.cluster}"
# Parameters the release tool creates itself (its lock, its failure record) are named by ARN.
parameter_arn_prefix = f"arn:{partition}:ssm:{region}:{identity.account_id}:parameter"

# --- The permissions boundary every role of the stack carries -----------------------
boundary_scope = BoundaryScope(
    account_id=identity.account_id,
    partition=partition,
    name_prefix=names.prefix,
    policy_name=names.permissions_boundary,
    deploy_role_name=names.build_role("infra-deploy") if config.pipelines else None,
    assumable_roles=(source.reader_role_arn,) if source is not None else (),
)
boundary = PermissionsBoundary(
    "permissions-boundary",
    PermissionsBoundaryArgs(
        scope=boundary_scope, extra_allows=identity_provider_statements(boundary_scope)
    ),
)
permissions_boundary = boundary.policy_arn

# Data-bearing resources (repositories, key, tag parameters, buckets): protected from
# `pulumi destroy` and replacement where the stack protects its data (production), else
# emptied on destroy so a development stack can be torn down (README, "Tearing a stack
# down").
protect_data = config.protects_data
data_opts = pulumi.ResourceOptions(protect=protect_data)

# --- Encryption: AWS-managed keys by default, or the stack's own (or a brought-in) key --
kms_key_arn: pulumi.Input[str] | None = config.kms_key_arn
if config.create_kms_key:
    stack_key = StackKey(
        "stack-key",
        StackKeyArgs(
            alias=names.kms_alias,
            account_id=identity.account_id,
            region=region,
            partition=partition,
            log_group_names=[n.name for n in config.physical_names if n.kind == "log-group"],
        ),
        opts=data_opts,
    )
    kms_key_arn = stack_key.key_arn


# --- Image tags: resolved at program time, in preview and up alike -----------------
# A promoted stage reads its digest parameters too: once promoted, its targets run the
# build stage's repository at the recorded digest (image_tags.resolve_promoted_image).
def resolve(query: TagQuery) -> ResolvedTag:
    if source is None:
        return resolve_image_tag(query)
    return resolve_promoted_image(query, source.promotion(query.image, names))


lambda_tag = resolve(
    TagQuery(
        image="lambda",
        parameter=names.tag_parameter("lambda"),
        require_release=config.require_release,
        live_targets=[lambda_target(physical) for physical in function_names.values()],
    )
)
web_tag = resolve(
    TagQuery(
        image="web",
        parameter=names.tag_parameter("web"),
        require_release=config.require_release,
        live_targets=[ecs_target(cluster_arn, names.web_service, WEB_CONTAINER)],
    )
)


# --- ECR, the placeholder, the tag parameters ---------------------------------------
# A build stage lets the stages promoted from it pull its digests (README, "Build once,
# promote"); a promoted stage's own repositories hold only its placeholders.
lambda_repo = ImageRepository(
    "lambda",
    ImageRepositoryArgs(
        repository_name=names.repository("lambda"),
        keep_images=config.ecr_keep_images,
        kms_key_arn=kms_key_arn,
        lambda_function_arns=function_arns,
        force_delete=not protect_data,
        promoted=promoted_access(promoted, "lambda", partition),
    ),
    opts=data_opts,
)
web_repo = ImageRepository(
    "web",
    ImageRepositoryArgs(
        repository_name=names.repository("web"),
        keep_images=config.ecr_keep_images,
        kms_key_arn=kms_key_arn,
        force_delete=not protect_data,
        promoted=promoted_access(promoted, "web", partition),
    ),
    opts=data_opts,
)
placeholder = PlaceholderImage(
    "lambda-placeholder",
    PlaceholderImageArgs(
        repository_url=lambda_repo.repository_url,
        registry_id=lambda_repo.registry_id,
        context=config.placeholder_context,
        platform=config.docker_platform,
    ),
)
web_placeholder = PlaceholderImage(
    "web-placeholder",
    PlaceholderImageArgs(
        repository_url=web_repo.repository_url,
        registry_id=web_repo.registry_id,
        context=config.web.placeholder_context,
        # One architecture per stack: the web tasks run on the functions' architecture, so
        # every image builds natively on a CodeBuild host of that architecture.
        platform=config.docker_platform,
    ),
)
tag_parameters = {
    image: ImageTagParameter(
        f"{image}-tag",
        ImageTagParameterArgs(parameter_name=names.tag_parameter(image), image=image),
        opts=data_opts,
    )
    for image in IMAGES
}
# A promoted stage records, next to each tag, the digest it was promoted with.
digest_parameters = (
    {
        image: ImageDigestParameter(
            f"{image}-digest",
            ImageTagParameterArgs(parameter_name=names.digest_parameter(image), image=image),
            opts=data_opts,
        )
        for image in IMAGES
    }
    if source is not None
    else {}
)

# The release locks (manifest schema 4): one item per image while a release holds it,
# keyed by the image's lock parameter name. Protected like the stack's other data: a lock
# must not vanish with its table while a release holds it.
release_locks = ReleaseLockTable(
    "release-locks",
    ReleaseLockTableArgs(table_name=names.release_lock_table, deletion_protection=protect_data),
    opts=data_opts,
)

# --- Lambda functions, all from the one Lambda image --------------------------------
lambda_image = image_uri(lambda_repo.repository_url, lambda_tag, placeholder.repo_digest)
functions = {
    fn.name: ContainerFunction(
        fn.name,
        ContainerFunctionArgs(
            function_name=function_names[fn.name],
            role_name=names.function_role(fn.name),
            log_group_name=names.function_log_group(fn.name),
            image_uri=lambda_image,
            command=fn.command,
            memory_mb=fn.memory_mb,
            timeout_seconds=fn.timeout_seconds,
            architecture=config.lambda_architecture,
            log_retention_days=config.log_retention_days,
            environment=fn.environment,
            kms_key_arn=kms_key_arn,
            image_dependencies=[placeholder.image, lambda_repo],
            permissions_boundary=permissions_boundary,
        ),
    )
    for fn in config.lambda_functions
}

# --- Triggers: every one invokes the live alias, never $LATEST or a version ---------
function_urls: dict[str, pulumi.Output[str]] = {}
for fn in config.lambda_functions:
    if fn.schedule is not None:
        AliasSchedule(
            f"{fn.name}-schedule",
            AliasScheduleArgs(
                schedule_name=names.schedule(fn.name),
                role_name=names.schedule_role(fn.name),
                expression=fn.schedule,
                timezone=fn.schedule_timezone,
                alias_arn=functions[fn.name].alias_arn,
                account_id=identity.account_id,
                permissions_boundary=permissions_boundary,
            ),
        )
    if fn.url is not None:
        function_urls[fn.name] = AliasFunctionUrl(
            f"{fn.name}-url",
            AliasFunctionUrlArgs(
                function_name=functions[fn.name].function_name,
                alias_name=functions[fn.name].alias_name,
                auth=fn.url.auth,
            ),
        ).url

# --- CodeDeploy shifts each alias, stopped and rolled back by its alarms ------------
deployments = LambdaDeployments(
    "lambda-deployments",
    LambdaDeploymentsArgs(
        application_name=names.codedeploy_application,
        role_name=names.codedeploy_role,
        partition=partition,
        deployment_config=config.lambda_deployment.deployment_config,
        alarms=config.lambda_deployment.alarms,
        functions={
            fn.name: DeployedFunction(
                function_name=functions[fn.name].function_name,
                deployment_group_name=names.deployment_group(fn.name),
                alarm_names={metric: names.alarm(fn.name, metric) for metric in ALARM_METRICS},
                dependencies=[functions[fn.name].alias],
            )
            for fn in config.lambda_functions
        },
        permissions_boundary=permissions_boundary,
    ),
)
codedeploy_arn = f"arn:{partition}:codedeploy:{region}:{identity.account_id}"
lambda_release = LambdaReleaseArns(
    function_arns=function_arns,
    alias_arns=alias_arns,
    application_arn=deployments.application_arn,
    deployment_group_arns=[
        deployments.deployment_group_arns[fn.name] for fn in config.lambda_functions
    ],
    # `rollback` deploys with AllAtOnce whatever the groups' config is.
    deployment_config_arns=sorted(
        {
            f"{codedeploy_arn}:deploymentconfig:{name}"
            for name in (config.lambda_deployment.deployment_config, ROLLBACK_DEPLOYMENT_CONFIG)
        }
    ),
)

# --- The web service on ECS Fargate, behind an ALB ---------------------------------
if config.network is None:
    zones = aws.get_availability_zones(state="available").names[:2]
    network = Network("network", NetworkArgs(name_prefix=names.prefix, availability_zones=zones))
    vpc_id, public_subnets, private_subnets = (
        network.vpc_id,
        network.public_subnet_ids,
        network.private_subnet_ids,
    )
else:
    vpc_id = pulumi.Output.from_input(config.network.vpc_id)
    public_subnets = [pulumi.Output.from_input(s) for s in config.network.public_subnet_ids]
    private_subnets = [pulumi.Output.from_input(s) for s in config.network.private_subnet_ids]

# --- Access logs: the load balancer's and the artifact bucket's, in one bucket --------
access_log_bucket: AccessLogBucket | None = None
if config.access_log_bucket:
    access_log_bucket = AccessLogBucket(
        "access-logs",
        AccessLogBucketArgs(
            bucket_prefix=names.access_log_bucket_prefix,
            account_id=identity.account_id,
            partition=partition,
            expire_days=config.log_retention_days,
            force_destroy=not protect_data,
            load_balancer_writer=(
                elb_log_writer(region) if config.access_log("load_balancer") else None
            ),
            logged_bucket_arns=(
                [f"arn:{partition}:s3:::{names.artifact_bucket_prefix}*"]
                if config.pipelines is not None and config.access_log("artifact_bucket")
                else []
            ),
        ),
        opts=data_opts,
    )
if config.vpc_flow_logs:
    VpcFlowLogs(
        "vpc-flow-logs",
        FlowLogsArgs(
            vpc_id=vpc_id,
            log_group_name=names.flow_log_group,
            role_name=names.flow_logs_role,
            account_id=identity.account_id,
            region=region,
            partition=partition,
            retention_days=config.log_retention_days,
            kms_key_arn=kms_key_arn,
            permissions_boundary=permissions_boundary,
        ),
    )

load_balancer = WebLoadBalancer(
    "web",
    WebLoadBalancerArgs(
        load_balancer_name=names.load_balancer,
        target_group_name=names.target_group(config.web.container_port),
        security_group_name=names.alb_security_group,
        vpc_id=vpc_id,
        public_subnet_ids=public_subnets,
        container_port=config.web.container_port,
        health_check_path=config.web.health_check_path,
        certificate_arn=config.web.certificate_arn,
        access_logs=(
            AccessLogTarget(
                access_log_bucket.bucket_name, LOAD_BALANCER_PREFIX, access_log_bucket.policy
            )
            if access_log_bucket is not None and config.access_log("load_balancer")
            else None
        ),
    ),
)
web_image = image_uri(web_repo.repository_url, web_tag, web_placeholder.repo_digest)
web_service = WebService(
    "web",
    WebServiceArgs(
        cluster_name=names.cluster,
        service_name=names.web_service,
        execution_role_name=names.web_execution_role,
        task_role_name=names.web_task_role,
        log_group_name=names.web_log_group,
        security_group_name=names.tasks_security_group,
        vpc_id=vpc_id,
        subnet_ids=private_subnets,
        load_balancer_security_group_id=load_balancer.security_group_id,
        target_group_arn=load_balancer.target_group_arn,
        image_uri=web_image,
        # A promoted stage's tasks pull the build stage's web repository once promoted.
        repository_arns=[web_repo.repository_arn]
        + ([source.repository_arn("web")] if source is not None else []),
        cpu_architecture=ecs_cpu_architecture(config.lambda_architecture),
        desired_count=config.web.desired_count,
        cpu=config.web.cpu,
        memory_mb=config.web.memory_mb,
        container_port=config.web.container_port,
        health_check_path=config.web.health_check_path,
        log_retention_days=config.log_retention_days,
        kms_key_arn=kms_key_arn,
        image_dependencies=[web_placeholder.image],
        service_dependencies=load_balancer.listeners,
        permissions_boundary=permissions_boundary,
    ),
)


# --- The deploy-target manifest -----------------------------------------------------
def repository_entry(image: str, repository: ImageRepository) -> dict[str, Any]:
    """What targets pull: this stack's repository, or a promoted stage's build stage's."""
    if source is not None:
        return source.manifest_fields(image, names, repository.repository_url)
    return {
        "repository_name": repository.repository_name,
        "repository_url": repository.repository_url,
    }


manifest = DeployManifest(
    "deploy-manifest",
    DeployManifestArgs(
        parameter_name=names.manifest_parameter,
        project=config.project,
        stack=config.stack,
        images={
            "lambda": ManifestImage(
                **repository_entry("lambda", lambda_repo),
                tag_parameter=names.tag_parameter("lambda"),
                lock_parameter=names.lock_parameter("lambda"),
                failed_releases_parameter=names.failed_releases_parameter("lambda"),
                # Names from config, known at program time, so the manifest builder can
                # check them; `targets` orders the manifest after the functions, their
                # aliases and deployment groups.
                lambda_functions=[
                    LambdaTarget(
                        name=function_names[fn.name],
                        alias=LIVE_ALIAS,
                        code_deploy_application=names.codedeploy_application,
                        deployment_group=names.deployment_group(fn.name),
                    )
                    for fn in config.lambda_functions
                ],
            ),
            "web": ManifestImage(
                **repository_entry("web", web_repo),
                tag_parameter=names.tag_parameter("web"),
                lock_parameter=names.lock_parameter("web"),
                failed_releases_parameter=names.failed_releases_parameter("web"),
                ecs_services=[
                    EcsTarget(
                        cluster=names.cluster, service=names.web_service, container=WEB_CONTAINER
                    )
                ],
            ),
        },
        lock_table=release_locks.table_name,
        targets=[*(f.function for f in functions.values()), deployments, web_service],
        promoted_from=None
        if source is None
        else PromotedFrom(
            stack=source.stack,
            account=source.place.account,
            region=source.place.region,
            manifest_parameter=source.manifest_parameter,
            reader_role_arn=source.reader_role_arn,
        ),
    ),
)

# --- The promotion reader: what a promoted stage reads here, and the tag it adds -----
if promoted:
    PromotionReader(
        "promotion-reader",
        PromotionReaderArgs(
            role_name=names.promotion_reader_role,
            partition=partition,
            trusted_accounts=[stage.place.account for stage in promoted],
            trusted_role_arns=[stage.promote_role_arn for stage in promoted],
            parameter_arns=[
                manifest.parameter_arn,
                *(p.parameter_arn for p in tag_parameters.values()),
                *(f"{parameter_arn_prefix}{names.failed_releases_parameter(i)}" for i in IMAGES),
            ],
            repository_arns=[lambda_repo.repository_arn, web_repo.repository_arn],
            alias_arns=alias_arns,
            service_arn=web_service.service_arn,
            permissions_boundary=permissions_boundary,
        ),
    )

# --- Pipelines: both defined here, as in the talk ----------------------------------
tag_parameter_arns = [p.parameter_arn for p in tag_parameters.values()]
digest_parameter_arns = [p.parameter_arn for p in digest_parameters.values()]
# What a `pulumi preview` of this program reads, for the preview roles: in a promoted
# stage its digest parameters too, and the build stage's repositories (the promoted
# digest's check and the regression guard read them across accounts).
preview_reads = PreviewReads(
    tag_parameter_arns=[*tag_parameter_arns, *digest_parameter_arns],
    function_arns=function_arns,
    alias_arns=alias_arns,
    service_arn=web_service.service_arn,
    repository_arns=[
        lambda_repo.repository_arn,
        web_repo.repository_arn,
        *(source.repository_arns if source is not None else []),
    ],
    partition=partition,
)
pipeline_outputs: dict[str, pulumi.Output[str]] = {}
if config.pipelines is not None:
    delivery = DeliveryPipelines(
        "delivery",
        DeliveryPipelinesArgs(
            config=config.pipelines,
            names=names,
            manual_approval=config.manual_approval,
            account_id=identity.account_id,
            region=region,
            partition=partition,
            lambda_repository=ImageRepositoryRef(
                lambda_repo.repository_url, lambda_repo.repository_arn
            ),
            web_repository=ImageRepositoryRef(web_repo.repository_url, web_repo.repository_arn),
            tag_parameter_arns=tag_parameter_arns,
            failed_releases_parameter_arns=[
                f"{parameter_arn_prefix}{names.failed_releases_parameter(image)}"
                for image in IMAGES
            ],
            release_locks=ReleaseLocks(
                keys=[names.lock_parameter(image) for image in IMAGES],
                parameter_arn_prefix=parameter_arn_prefix,
                table_arn=release_locks.table_arn,
            ),
            manifest_parameter_arn=manifest.parameter_arn,
            lambda_release=lambda_release,
            web_service=WebServiceRef(
                cluster_name=web_service.cluster_name,
                service_name=web_service.service_name,
                service_arn=web_service.service_arn,
                task_definition_family=web_service.task_definition_family,
                role_arns=[web_service.execution_role_arn, web_service.task_role_arn],
            ),
            architecture=config.lambda_architecture,
            log_retention_days=config.log_retention_days,
            kms_key_arn=kms_key_arn,
            boundary_scope=boundary_scope,
            permissions_boundary=permissions_boundary,
            preview_reads=preview_reads,
            protect_data=protect_data,
            artifact_access_logs=(
                (access_log_bucket.bucket_name, f"{S3_ACCESS_LOG_PREFIX}artifacts/")
                if access_log_bucket is not None and config.access_log("artifact_bucket")
                else None
            ),
            promotion=None
            if source is None
            else PromotionRefs(
                source_stack=source.stack,
                reader_role_arn=source.reader_role_arn,
                source_repository_arns=source.repository_arns,
                source_web_repository_url=source.repository_url("web"),
                digest_parameter_arns=digest_parameter_arns,
                # The promote pipeline's source is the app repository: the buildspec
                # travels inline, from the infra repository's file.
                buildspec=(
                    Path(pulumi.get_root_directory()) / "infra_pulumi" / "buildspec-promote.yml"
                ).read_text(encoding="utf-8"),
            ),
        ),
    )
    pipeline_outputs = {
        "infraPipeline": delivery.infra_pipeline_name,
        "promotePipeline" if source is not None else "appPipeline": delivery.app_pipeline_name,
        "artifactBucket": delivery.artifact_bucket_name,
    }

if config.github_preview is not None:
    github = config.github_preview
    preview_role = GithubPreviewRole(
        "github-preview",
        GithubPreviewRoleArgs(
            role_name=names.github_preview_role,
            repository=github.repository,
            environment=github.environment,
            account_id=identity.account_id,
            partition=partition,
            create_oidc_provider=github.create_oidc_provider,
            reads=replace(
                preview_reads,
                state=StateFolder(github.state_bucket, github.state_prefix)
                if github.state_bucket
                else None,
            ),
            permissions_boundary=permissions_boundary,
        ),
    )
    pipeline_outputs["githubPreviewRoleArn"] = preview_role.role_arn

# --- Outputs ------------------------------------------------------------------------
pulumi.export("stage", stage_output(source, promoted))
pulumi.export("lambdaRepositoryUrl", lambda_repo.repository_url)
pulumi.export("webRepositoryUrl", web_repo.repository_url)
pulumi.export("placeholderImage", placeholder.image_name)
pulumi.export("webPlaceholderImage", web_placeholder.image_name)
pulumi.export(
    "imageTagParameters", {image: p.parameter_name for image, p in tag_parameters.items()}
)
pulumi.export(
    "resolvedImageTags",
    {
        r.image: {"tag": r.tag, "source": r.source, **({"digest": r.digest} if r.digest else {})}
        for r in (lambda_tag, web_tag)
    },
)
pulumi.export("lambdaImageUri", lambda_image)
pulumi.export("lambdaFunctions", {short: f.function_name for short, f in functions.items()})
pulumi.export("liveAliases", {short: f.alias_arn for short, f in functions.items()})
pulumi.export("functionUrls", function_urls)
pulumi.export("codeDeployApplication", deployments.application_name)
pulumi.export("deployManifestParameter", manifest.parameter_name)
pulumi.export("releaseLockTable", release_locks.table_name)
pulumi.export("webImageUri", web_image)
pulumi.export("siteUrl", load_balancer.url)
pulumi.export("clusterName", web_service.cluster_name)
pulumi.export("webServiceName", web_service.service_name)
for key, value in pipeline_outputs.items():
    pulumi.export(key, value)
