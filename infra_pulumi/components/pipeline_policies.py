"""What each pipeline stage may do: policy statements and managed policies, in one place.

The app build role names exact ARNs throughout. The infra deploy role is broad, because
``pulumi up`` manages every resource of this stack, but it cannot escalate: its role
writes require the stack's permissions boundary (``permissions_boundary.py``), which every
role of the stack carries, itself included.

A little over the project's ~400-line guide: every pipeline role's statements in one
module, so the grants a reviewer must check sit side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi

from infra_pulumi.components.iam import one_or_many
from infra_pulumi.components.permissions_boundary import (
    BoundaryScope,
    role_write_statements,
    self_protection_statements,
)

#: The infra deploy role's managed policy (a documented exception to exact ARNs; the
#: stack's permissions boundary caps it).
POWER_USER_ACCESS = "arn:aws:iam::aws:policy/PowerUserAccess"


@dataclass(frozen=True)
class LambdaReleaseArns:
    """Everything a Lambda release touches besides ECR and SSM, each by exact ARN."""

    function_arns: Sequence[str]
    alias_arns: Sequence[str]
    """``<function ARN>:live``, one per function."""
    application_arn: pulumi.Input[str]
    deployment_group_arns: Sequence[pulumi.Input[str]]
    deployment_config_arns: Sequence[str]
    """The groups' config and ``CodeDeployDefault.LambdaAllAtOnce`` (rollback uses it)."""


def lambda_release_statements(arns: LambdaReleaseArns) -> list[dict[str, Any]]:
    """Publish a version per function and shift its alias through CodeDeploy, then verify.

    Lambda authorizes a call with a qualifier against the qualified ARN, so the alias
    ARNs are listed next to the functions' (GetAlias, and GetFunction on ``live``). The
    CodeDeploy actions and resources are those of the CodeDeploy User Guide's
    "CodeDeploy permissions reference".
    """
    return [
        {
            "Sid": "ReleaseNamedFunctions",
            "Effect": "Allow",
            "Action": [
                "lambda:GetAlias",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:PublishVersion",
                "lambda:UpdateFunctionCode",
            ],
            "Resource": [*arns.function_arns, *arns.alias_arns],
        },
        {
            "Sid": "DeployThroughOwnGroups",
            "Effect": "Allow",
            "Action": [
                "codedeploy:BatchGetDeployments",
                "codedeploy:CreateDeployment",
                "codedeploy:ListDeployments",
            ],
            "Resource": list(arns.deployment_group_arns),
        },
        {
            # The Service Authorization Reference lists no resource type for
            # StopDeployment (its request names a deployment id, not a group), so AWS
            # requires "*"; the CodeDeploy User Guide's table shows a group ARN, which
            # would then never match. The tool stops only deployments it started.
            "Sid": "StopOwnDeployments",
            "Effect": "Allow",
            "Action": "codedeploy:StopDeployment",
            "Resource": "*",
        },
        {
            # The deployment's AppSpec is an application revision (AppSpecContent).
            "Sid": "RegisterRevisions",
            "Effect": "Allow",
            "Action": [
                "codedeploy:GetApplicationRevision",
                "codedeploy:RegisterApplicationRevision",
            ],
            "Resource": arns.application_arn,
        },
        {
            # CreateDeployment also needs GetDeploymentConfig on the config it deploys with
            # (CodeDeploy permissions reference, note 1): the groups' own, and AllAtOnce,
            # which `rollback` names. Both are AWS's predefined configs, named exactly.
            "Sid": "ReadDeploymentConfigs",
            "Effect": "Allow",
            "Action": "codedeploy:GetDeploymentConfig",
            "Resource": list(arns.deployment_config_arns),
        },
    ]


@dataclass(frozen=True)
class ReleaseLocks:
    """The release locks a role may hold, one per image, in their two forms, by one name."""

    keys: Sequence[str]
    """The lock parameters' names: the SSM locks of manifests of schema 1 to 3 (and what
    the upgrade's guard reads, docs/app-release.md), and the partition keys of the
    images' items in the table."""
    parameter_arn_prefix: str
    """``arn:<partition>:ssm:<region>:<account>:parameter``: the release tool creates the
    SSM locks, not infra, so their ARNs are built from their names."""
    table_arn: pulumi.Input[str]
    """The release lock table: schema 4's lock."""
    keyed: bool = True
    """Name ``keys`` in a ``dynamodb:LeadingKeys`` condition. Off only for the infra deploy
    role (``infra_release_statements`` says why)."""

    @property
    def parameter_arns(self) -> list[str]:
        return [f"{self.parameter_arn_prefix}{key}" for key in self.keys]


def release_lock_statements(locks: ReleaseLocks) -> list[dict[str, Any]]:
    """One release per image at a time, in both forms of the lock, for exactly these images."""
    items: dict[str, Any] = {
        # Take (PutItem if absent), read (GetItem), release or break an expired lock
        # (DeleteItem if the token is the one expected): only the items these images'
        # locks are keyed by. ForAllValues: every partition key a request touches
        # must be one of them (DynamoDB Developer Guide, "Using IAM policy conditions
        # for fine-grained access control").
        "Sid": "HoldReleaseLockItems",
        "Effect": "Allow",
        "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": locks.table_arn,
    }
    if locks.keyed:
        items["Condition"] = {
            "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": list(locks.keys)}
        }
    return [
        {
            # The release tool creates the image's lock parameter with Overwrite=False (an
            # atomic create) and deletes it at the end.
            "Sid": "HoldReleaseLocks",
            "Effect": "Allow",
            "Action": ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"],
            "Resource": locks.parameter_arns,
        },
        items,
    ]


def release_record_statements(
    *,
    tag_parameter_arns: Sequence[pulumi.Input[str]],
    locks: ReleaseLocks,
    failed_releases_parameter_arns: Sequence[str],
    manifest_parameter_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    """What the release tool reads and writes: the manifest, the tag parameters, the
    release locks and the failed-release records, each by exact ARN."""
    return [
        {
            # UnlabelParameterVersion: the release tool moves labels an older version of
            # it left on failed versions into the failed-release record (a labelled oldest
            # version would block new versions once a parameter has 100).
            "Sid": "RecordReleasedTags",
            "Effect": "Allow",
            "Action": [
                "ssm:GetParameter",
                "ssm:GetParameterHistory",
                "ssm:PutParameter",
                "ssm:UnlabelParameterVersion",
            ],
            "Resource": list(tag_parameter_arns),
        },
        *release_lock_statements(locks),
        {
            # The versions of the tag parameter whose release failed, so that rollback
            # never picks one; created by the tool on the first failure.
            "Sid": "RecordFailedReleases",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:PutParameter"],
            "Resource": list(failed_releases_parameter_arns),
        },
        {
            "Sid": "ReadDeployManifest",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": manifest_parameter_arn,
        },
    ]


def app_build_statements(
    *,
    repository_arns: Sequence[pulumi.Input[str]],
    tag_parameter_arns: Sequence[pulumi.Input[str]],
    locks: ReleaseLocks,
    failed_releases_parameter_arns: Sequence[str],
    manifest_parameter_arn: pulumi.Input[str],
    lambda_release: LambdaReleaseArns,
    service_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    """Build, push and release: the two repositories, the two tag parameters, the
    manifest, the named functions with their aliases and CodeDeploy groups, and the web
    service, each by exact ARN."""
    return [
        {
            # GetAuthorizationToken is not resource-scoped: AWS requires "*".
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "PushAndCheckOwnImages",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:DescribeImages",
                # The release tool checks the manifest's repositoryUrl against ECR's own.
                "ecr:DescribeRepositories",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            "Resource": list(repository_arns),
        },
        *release_record_statements(
            tag_parameter_arns=tag_parameter_arns,
            locks=locks,
            failed_releases_parameter_arns=failed_releases_parameter_arns,
            manifest_parameter_arn=manifest_parameter_arn,
        ),
        *lambda_release_statements(lambda_release),
        *web_service_read_statements(service_arn),
    ]


def web_service_read_statements(service_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """What the release tool reads of the web service: the service, and (``status``) the
    image of its task definition."""
    return [
        {
            "Sid": "ReadWebService",
            "Effect": "Allow",
            "Action": "ecs:DescribeServices",
            "Resource": service_arn,
        },
        {
            # DescribeTaskDefinition takes no resource-level permissions: AWS requires "*".
            "Sid": "ReadTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:DescribeTaskDefinition",
            "Resource": "*",
        },
    ]


def promote_build_statements(
    *,
    reader_role_arn: str,
    source_repository_arns: Sequence[str],
    own_repository_arns: Sequence[pulumi.Input[str]],
    tag_parameter_arns: Sequence[pulumi.Input[str]],
    digest_parameter_arns: Sequence[pulumi.Input[str]],
    locks: ReleaseLocks,
    failed_releases_parameter_arns: Sequence[str],
    manifest_parameter_arn: pulumi.Input[str],
    lambda_release: LambdaReleaseArns,
    service_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    """A promoted stage's promote build: read the build stage through its reader role,
    then release the promoted digest here exactly as a release does, recording tag and
    digest. No ECR write anywhere: the promotion tag is added by the reader role, in the
    build stage's account; this stage's own repositories hold only its placeholders."""
    return [
        {
            # The build stage's reader role (its account's trust names this role's ARN).
            "Sid": "AssumeTheBuildStagesReader",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": reader_role_arn,
        },
        {
            # Lambda checks that whoever updates a function may pull its image
            # (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer on the image's repository,
            # here the build stage's); the tool checks the image is there first.
            "Sid": "RunPromotedImages",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchGetImage",
                "ecr:DescribeImages",
                "ecr:DescribeRepositories",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Resource": list(source_repository_arns),
        },
        {
            # The release tool checks this stage's own repository (the placeholder's)
            # against ECR's, as `release` does.
            "Sid": "CheckOwnRepositories",
            "Effect": "Allow",
            "Action": ["ecr:DescribeImages", "ecr:DescribeRepositories"],
            "Resource": list(own_repository_arns),
        },
        *release_record_statements(
            tag_parameter_arns=tag_parameter_arns,
            locks=locks,
            failed_releases_parameter_arns=failed_releases_parameter_arns,
            manifest_parameter_arn=manifest_parameter_arn,
        ),
        {
            # Next to each tag, the digest it was promoted with; restored with it.
            "Sid": "RecordPromotedDigests",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameterHistory", "ssm:PutParameter"],
            "Resource": list(digest_parameter_arns),
        },
        *lambda_release_statements(lambda_release),
        *web_service_read_statements(service_arn),
    ]


def infra_release_statements(
    *,
    lambda_repository_arns: Sequence[pulumi.Input[str]],
    tag_parameter_arn: pulumi.Input[str],
    locks: ReleaseLocks,
    failed_releases_parameter_arn: str,
    manifest_parameter_arn: pulumi.Input[str],
    lambda_release: LambdaReleaseArns,
    digest_parameter_arn: pulumi.Input[str] | None = None,
) -> list[dict[str, Any]]:
    """The infra deploy stage's release of the current Lambda tag, after ``pulumi up``,
    and ``pulumi up`` itself under both images' release locks (``app.deploy hold``).

    A configuration change only reaches ``$LATEST``; this release publishes it and
    shifts each alias through CodeDeploy (``infra_pulumi/buildspec-deploy.yml``). The
    role's ``PowerUserAccess`` allows these too; they are listed by exact ARN so that the
    release keeps working when that policy is replaced by a narrower one, and so that a
    permissions boundary knows what to allow.

    In a promoted stage the tool checks the build stage's Lambda repository (what its
    functions run) and its own (the placeholder's), and records the digest next to the
    tag (``digest_parameter_arn``).
    """
    statements: list[dict[str, Any]] = [
        {
            # The tool checks the manifest's repository against ECR's and that the tag
            # is in it before changing anything.
            "Sid": "CheckTheLambdaImage",
            "Effect": "Allow",
            "Action": ["ecr:DescribeImages", "ecr:DescribeRepositories"],
            "Resource": one_or_many(lambda_repository_arns),
        },
        *release_record_statements(
            tag_parameter_arns=[tag_parameter_arn],
            # No LeadingKeys condition on this role's items: it holds both images' locks,
            # every item the table is for, and its PowerUserAccess already allows every
            # item action on the table, so the condition would narrow nothing. Leaving it
            # out keeps a tenth function within IAM's 10,240 characters of inline policy
            # on this role (infra_pulumi/service_limits.py).
            locks=replace(locks, keyed=False),
            failed_releases_parameter_arns=[failed_releases_parameter_arn],
            manifest_parameter_arn=manifest_parameter_arn,
        ),
        *lambda_release_statements(lambda_release),
    ]
    if digest_parameter_arn is not None:
        statements.append(
            {
                # `release --recorded` releases the recorded digest again and records it.
                "Sid": "RecordThePromotedDigest",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameterHistory", "ssm:PutParameter"],
                "Resource": digest_parameter_arn,
            }
        )
    return statements


def infra_deploy_statements(scope: BoundaryScope) -> list[dict[str, Any]]:
    """IAM for ``pulumi up``; PowerUserAccess covers everything else but IAM.

    Roles are matched by the stack's name prefix rather than listed: adding a function
    adds a role, and the role must be creatable before this policy is updated. Every role
    write that can add a permission requires the stack's boundary on the role, and the
    denies of ``self_protection_statements`` keep the boundary and this role fixed (see
    ``permissions_boundary.py``); the boundary itself repeats them.
    """
    return [
        {
            "Sid": "ReadStackRoles",
            "Effect": "Allow",
            "Action": [
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
            ],
            "Resource": scope.stack_roles,
        },
        {
            # The boundary is created and changed by an administrator; pulumi up reads it.
            "Sid": "ReadTheBoundary",
            "Effect": "Allow",
            "Action": ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
            "Resource": scope.policy_arn,
        },
        *role_write_statements(scope),
        *identity_provider_statements(scope),
        *self_protection_statements(scope),
    ]


def identity_provider_statements(scope: BoundaryScope) -> list[dict[str, Any]]:
    """IAM writes on things other than roles that ``pulumi up`` makes; the boundary allows
    them too, or the deploy role, which carries it, could not."""
    iam = scope.iam
    return [
        {
            "Sid": "GithubOidcProvider",
            "Effect": "Allow",
            "Action": [
                "iam:AddClientIDToOpenIDConnectProvider",
                "iam:CreateOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:GetOpenIDConnectProvider",
                "iam:RemoveClientIDFromOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
                "iam:UntagOpenIDConnectProvider",
                "iam:UpdateOpenIDConnectProviderThumbprint",
            ],
            "Resource": f"{iam}:oidc-provider/token.actions.githubusercontent.com",
        },
        {
            "Sid": "ServiceLinkedRolesForEcsAndElb",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"{iam}:role/aws-service-role/*",
            "Condition": {
                "StringEquals": {
                    "iam:AWSServiceName": [
                        "ecs.amazonaws.com",
                        "elasticloadbalancing.amazonaws.com",
                    ]
                }
            },
        },
    ]
