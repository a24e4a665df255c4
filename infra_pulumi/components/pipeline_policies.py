"""What each pipeline stage may do: policy statements and managed policies, in one place.

The app build role names exact ARNs throughout. The infra roles are necessarily broad,
because ``pulumi up`` manages every resource of this stack; see the README's
"Pipelines" section for their scope and the optional permissions boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

#: Services that assume this stack's roles: the only ones the deploy role may pass them to.
ROLE_SERVICES = (
    "codebuild.amazonaws.com",
    "codepipeline.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "lambda.amazonaws.com",
)

#: Managed policies of the infra roles (documented exceptions to exact ARNs).
READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER_ACCESS = "arn:aws:iam::aws:policy/PowerUserAccess"


def app_build_statements(
    *,
    repository_arns: Sequence[pulumi.Input[str]],
    tag_parameter_arns: Sequence[pulumi.Input[str]],
    lock_parameter_arns: Sequence[str],
    failed_releases_parameter_arns: Sequence[str],
    manifest_parameter_arn: pulumi.Input[str],
    function_arns: Sequence[str],
    service_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    """Build, push and release: the two repositories, the two tag parameters, the
    manifest, the named functions and the web service, each by exact ARN."""
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
        {
            # One release per image at a time: the release tool creates the image's lock
            # parameter with Overwrite=False (an atomic create) and deletes it at the end.
            # The release tool creates these, not infra, so the ARNs are built from names.
            "Sid": "HoldReleaseLocks",
            "Effect": "Allow",
            "Action": ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"],
            "Resource": list(lock_parameter_arns),
        },
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
        {
            "Sid": "UpdateNamedFunctions",
            "Effect": "Allow",
            "Action": [
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:UpdateFunctionCode",
            ],
            "Resource": list(function_arns),
        },
        {
            "Sid": "ReadWebService",
            "Effect": "Allow",
            "Action": "ecs:DescribeServices",
            "Resource": service_arn,
        },
        {
            # `status` reads the image of the service's task definition. DescribeTaskDefinition
            # takes no resource-level permissions: AWS requires "*".
            "Sid": "ReadTaskDefinitions",
            "Effect": "Allow",
            "Action": "ecs:DescribeTaskDefinition",
            "Resource": "*",
        },
    ]


def infra_deploy_statements(
    *, account_id: str, partition: str, name_prefix: str
) -> list[dict[str, Any]]:
    """IAM for ``pulumi up``; PowerUserAccess covers everything else but IAM.

    Roles are matched by the stack's name prefix rather than listed: adding a function
    adds a role, and the role must be creatable before this policy is updated.
    """
    iam = f"arn:{partition}:iam::{account_id}"
    return [
        {
            "Sid": "ManageThisStacksRoles",
            "Effect": "Allow",
            "Action": [
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
            "Resource": f"{iam}:role/{name_prefix}-*",
        },
        {
            # Only to the services that assume this stack's roles.
            "Sid": "PassThisStacksRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"{iam}:role/{name_prefix}-*",
            "Condition": {"StringEquals": {"iam:PassedToService": list(ROLE_SERVICES)}},
        },
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
