"""What each pipeline stage may do beyond what CDK's constructs grant: the infra deploy's
IAM under the stack's boundary (PowerUserAccess grants none) and the app build's release
tool, by exact ARN."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from cdk_parity.reference.boundary import (
    BoundaryScope,
    identity_provider_statements,
    role_write_statements,
    self_protection_statements,
)
from cdk_parity.reference.naming import Naming
from cdk_parity.reference.promotion import BuildStage
from cdk_parity.reference.releases import LambdaReleases, LiveRelease
from cdk_parity.reference.tags import IMAGES


def deploy_iam_statements(scope: BoundaryScope) -> list[iam.PolicyStatement]:
    """IAM for a deploy of this stack; PowerUserAccess grants none.

    Roles are matched by the stack's name prefix: adding a function adds a role, which
    must be creatable before this policy changes. Every role write that can add a
    permission requires the stack's boundary on the role, and the boundary's denies
    keep it and this role fixed (``boundary.py``).
    """
    return [
        iam.PolicyStatement(
            sid="ReadStackRoles",
            actions=[
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
            ],
            resources=[scope.stack_roles],
        ),
        iam.PolicyStatement(
            # An administrator creates and changes the boundary; a deploy reads it.
            sid="ReadTheBoundary",
            actions=["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
            resources=[scope.policy_arn],
        ),
        *role_write_statements(scope),
        *identity_provider_statements(scope),
        *self_protection_statements(scope),
    ]


def grant_release_tool(
    stack: Stack,
    app_build: codebuild.PipelineProject,
    *,
    naming: Naming,
    repositories: Mapping[str, ecr.IRepository],
    tag_parameters: Mapping[str, ssm.StringParameter],
    manifest: ssm.StringParameter,
    lock_table: dynamodb.ITable,
    function_arns: list[str],
    releases: LambdaReleases,
    service: ecs.FargateService,
) -> None:
    """What the app build may do: push both images, record each release, read the
    manifest, release the named functions through CodeDeploy, read the web service."""
    for repository in repositories.values():
        repository.grant_pull_push(app_build)
        repository.grant(app_build, "ecr:DescribeImages", "ecr:DescribeRepositories")
    _grant_records(stack, app_build, naming, tag_parameters, manifest, lock_table)
    _grant_release(app_build, function_arns, releases, service)


def _grant_release(
    grantee: codebuild.PipelineProject,
    function_arns: list[str],
    releases: LambdaReleases,
    service: ecs.FargateService,
) -> None:
    """Release the named functions through CodeDeploy, read the web service."""
    app_build = grantee
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


def grant_promote_tool(
    stack: Stack,
    promote: codebuild.PipelineProject,
    *,
    naming: Naming,
    source: BuildStage,
    repositories: Mapping[str, ecr.IRepository],
    tag_parameters: Mapping[str, ssm.StringParameter],
    digest_parameters: Mapping[str, ssm.StringParameter],
    manifest: ssm.StringParameter,
    lock_table: dynamodb.ITable,
    function_arns: list[str],
    releases: LambdaReleases,
    service: ecs.FargateService,
) -> None:
    """What a promoted stage's promote build may do: assume the build stage's reader role,
    check and run the build stage's images (Lambda checks the caller may pull), and
    release here as the app build does, recording tag and digest. No push anywhere."""
    promote.add_to_role_policy(
        iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[source.reader_role_arn(stack)])
    )
    promote.add_to_role_policy(
        iam.PolicyStatement(
            actions=[
                "ecr:BatchGetImage",
                "ecr:DescribeImages",
                "ecr:DescribeRepositories",
                "ecr:GetDownloadUrlForLayer",
            ],
            resources=[source.repository_arn(stack, image) for image in IMAGES],
        )
    )
    # The release tool checks this stage's own repositories (the placeholders') too.
    for repository in repositories.values():
        repository.grant(promote, "ecr:DescribeImages", "ecr:DescribeRepositories")
    _grant_records(stack, promote, naming, tag_parameters, manifest, lock_table)
    for parameter in digest_parameters.values():
        parameter.grant_read(promote)
        parameter.grant_write(promote)
    _grant_release(promote, function_arns, releases, service)


def _parameter_arns(stack: Stack, names: list[str]) -> list[str]:
    return [
        stack.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"))
        for name in names
    ]


def _grant_records(
    stack: Stack,
    app_build: codebuild.PipelineProject,
    naming: Naming,
    tag_parameters: Mapping[str, ssm.StringParameter],
    manifest: ssm.StringParameter,
    lock_table: dynamodb.ITable,
) -> None:
    """Both tag parameters, the manifest, the release tool's own parameters (its lock and
    its failed-release record), and its items in the lock table."""
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
    # Schema 4's lock: the images' items in the lock table, keyed by the lock parameters'
    # names. table.grant() cannot say which items; LeadingKeys limits the grant to these
    # partition keys (DynamoDB Developer Guide, fine-grained access control).
    app_build.add_to_role_policy(
        iam.PolicyStatement(
            actions=["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
            resources=[lock_table.table_arn],
            conditions={
                "ForAllValues:StringEquals": {
                    "dynamodb:LeadingKeys": [naming.lock_parameter(i) for i in IMAGES]
                }
            },
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
