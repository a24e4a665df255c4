"""What each pipeline stage may do beyond what CDK's constructs grant: the infra deploy's
IAM (PowerUserAccess grants none) and the app build's release tool, by exact ARN."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from cdk_parity.reference.github_preview import GITHUB_OIDC_HOST
from cdk_parity.reference.naming import Naming
from cdk_parity.reference.releases import LambdaReleases, LiveRelease
from cdk_parity.reference.tags import IMAGES

#: Services the infra deploy role may hand this stack's roles to (iam:PassedToService).
_ROLE_SERVICES = (
    "codebuild.amazonaws.com",
    "codedeploy.amazonaws.com",  # the deployment groups' service role
    "codepipeline.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "lambda.amazonaws.com",
    "scheduler.amazonaws.com",  # the schedules' roles
)

#: Managing the stack's roles: their inline and attached policies and their boundary.
_ROLE_ACTIONS = (
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
)
#: Managing GitHub's OIDC provider, which the preview role trusts.
_OIDC_PROVIDER_ACTIONS = (
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:CreateOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
    "iam:GetOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
)


def deploy_iam_statements(stack: Stack, prefix: str) -> list[iam.PolicyStatement]:
    """IAM for a deploy of this stack; PowerUserAccess grants no IAM.

    From IAM's service authorization reference: managing roles with inline and
    attached policies and a boundary, passing them only to the services that assume
    them, GitHub's OIDC provider, and the service-linked roles ECS and ELB create.
    """
    roles = stack.format_arn(service="iam", region="", resource="role", resource_name=f"{prefix}-*")
    return [
        iam.PolicyStatement(
            actions=list(_ROLE_ACTIONS),
            resources=[roles],
        ),
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[roles],
            conditions={"StringEquals": {"iam:PassedToService": list(_ROLE_SERVICES)}},
        ),
        iam.PolicyStatement(
            actions=list(_OIDC_PROVIDER_ACTIONS),
            resources=[
                stack.format_arn(
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
                stack.format_arn(
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


def grant_release_tool(
    stack: Stack,
    app_build: codebuild.PipelineProject,
    *,
    naming: Naming,
    repositories: Mapping[str, ecr.IRepository],
    tag_parameters: Mapping[str, ssm.StringParameter],
    manifest: ssm.StringParameter,
    function_arns: list[str],
    releases: LambdaReleases,
    service: ecs.FargateService,
) -> None:
    """What the app build may do: push both images, record each release, read the
    manifest, release the named functions through CodeDeploy, read the web service."""
    _grant_images_and_records(stack, app_build, naming, repositories, tag_parameters, manifest)
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
                *(release.alias.function_arn for release in releases.releases.values()),
            ],
        )
    )
    _grant_codedeploy(app_build, releases.application, list(releases.releases.values()))
    app_build.add_to_role_policy(
        iam.PolicyStatement(actions=["ecs:DescribeServices"], resources=[service.service_arn])
    )
    app_build.add_to_role_policy(
        iam.PolicyStatement(
            # `status` reads the service's task definition; the action takes no
            # resource-level permissions, so IAM requires "*".
            actions=["ecs:DescribeTaskDefinition"],
            resources=["*"],
        )
    )


def _parameter_arns(stack: Stack, names: list[str]) -> list[str]:
    return [
        stack.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"))
        for name in names
    ]


def _grant_images_and_records(
    stack: Stack,
    app_build: codebuild.PipelineProject,
    naming: Naming,
    repositories: Mapping[str, ecr.IRepository],
    tag_parameters: Mapping[str, ssm.StringParameter],
    manifest: ssm.StringParameter,
) -> None:
    """Both repositories, both tag parameters, the manifest, and the release tool's own
    parameters (its lock and its failed-release record)."""
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
            resources=_parameter_arns(stack, [naming.lock_parameter(i) for i in IMAGES]),
        )
    )
    # Its record of the tag versions whose release failed (rollback skips them).
    app_build.add_to_role_policy(
        iam.PolicyStatement(
            actions=["ssm:GetParameter", "ssm:PutParameter"],
            resources=_parameter_arns(stack, [naming.failed_releases_parameter(i) for i in IMAGES]),
        )
    )


def _grant_codedeploy(
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
