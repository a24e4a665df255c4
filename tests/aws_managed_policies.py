"""The AWS managed policies this project attaches, as the IAM tests evaluate them.

AWSCodeDeployRoleForLambdaLimited and AWSLambdaBasicExecutionRole (policy version v1, the
role of CDK's custom-resource handlers) are copied whole from AWS's Managed Policy Reference
(docs.aws.amazon.com/aws-managed-policy/latest/reference/).

Copied from the policy documents AWS publishes, as archived by zoph-io/IAMTrail (formerly
MAMIP), which records every version of every AWS managed policy:

- ``policies/PowerUserAccess`` at commit e8b47383c32f (policy version v12): complete.
- ``policies/ReadOnlyAccess`` at commit 1e581d4d6189 (policy version v178): an excerpt.
  The policy has two ``Allow`` statements on ``"Resource": "*"`` with no condition and
  about 2,700 actions; only its actions for the services this stack's roles call are
  copied (ssm, lambda, ecr, ecs, ec2, s3, sts, logs, kms, cloudwatch, codebuild,
  codedeploy, codepipeline, elasticloadbalancing, scheduler, iam). A call to any other
  service is evaluated as not allowed, which can only make a test stricter.
"""

from __future__ import annotations

from typing import Any

CODEDEPLOY_LAMBDA_LIMITED_ARN = (
    "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
)
LAMBDA_BASIC_EXECUTION_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
READ_ONLY_ACCESS_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER_ACCESS_ARN = "arn:aws:iam::aws:policy/PowerUserAccess"

READ_ONLY_ACCESS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOnlyActionsGroup1",
            "Effect": "Allow",
            "Action": [
                "cloudwatch:Describe*",
                "cloudwatch:GenerateQuery",
                "cloudwatch:GenerateQueryResultsSummary",
                "cloudwatch:Get*",
                "cloudwatch:List*",
                "codebuild:BatchGet*",
                "codebuild:DescribeCodeCoverages",
                "codebuild:DescribeTestCases",
                "codebuild:List*",
                "codedeploy:BatchGet*",
                "codedeploy:Get*",
                "codedeploy:List*",
                "codepipeline:Get*",
                "codepipeline:List*",
                "ec2:Describe*",
                "ec2:DescribeInstanceImageMetadata",
                "ec2:Get*",
                "ec2:ListImagesInRecycleBin",
                "ec2:ListSnapshotsInRecycleBin",
                "ec2:SearchLocalGatewayRoutes",
                "ec2:SearchTransitGatewayRoutes",
                "ecr:BatchCheck*",
                "ecr:BatchGet*",
                "ecr:Describe*",
                "ecr:Get*",
                "ecr:List*",
                "ecs:Describe*",
                "ecs:List*",
                "elasticloadbalancing:Describe*",
                "iam:Generate*",
                "iam:Get*",
                "iam:List*",
                "iam:Simulate*",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ReadOnlyActionsGroup2",
            "Effect": "Allow",
            "Action": [
                "kms:Describe*",
                "kms:Get*",
                "kms:List*",
                "lambda:Get*",
                "lambda:List*",
                "logs:Describe*",
                "logs:FilterLogEvents",
                "logs:Get*",
                "logs:ListTagsForResource",
                "logs:ListTagsLogGroup",
                "s3:DescribeJob",
                "s3:Get*",
                "s3:List*",
                "scheduler:GetSchedule",
                "scheduler:GetScheduleGroup",
                "scheduler:ListScheduleGroups",
                "scheduler:ListSchedules",
                "scheduler:ListTagsForResource",
                "ssm:Describe*",
                "ssm:Get*",
                "ssm:List*",
                "sts:GetAccessKeyInfo",
                "sts:GetCallerIdentity",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
        },
    ],
}

POWER_USER_ACCESS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": [
                "account:GetAccountInformation",
                "account:GetGovCloudAccountInformation",
                "account:GetPrimaryEmail",
                "account:ListRegions",
                "iam:CreateServiceLinkedRole",
                "iam:DeleteServiceLinkedRole",
                "iam:ListRoles",
                "organizations:DescribeEffectivePolicy",
                "organizations:DescribeOrganization",
            ],
            "Resource": "*",
        },
    ],
}

#: AWS Managed Policy Reference, "AWSCodeDeployRoleForLambdaLimited" (policy version v1).
CODEDEPLOY_LAMBDA_LIMITED: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": [
                "cloudwatch:DescribeAlarms",
                "lambda:UpdateAlias",
                "lambda:GetAlias",
                "lambda:GetProvisionedConcurrencyConfig",
            ],
            "Resource": "*",
            "Effect": "Allow",
        },
        {
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": "arn:aws:s3:::*/CodeDeploy/*",
            "Effect": "Allow",
        },
        {
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": "*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/UseWithCodeDeploy": "true"}},
            "Effect": "Allow",
        },
        {
            "Action": ["lambda:InvokeFunction"],
            "Resource": "arn:aws:lambda:*:*:function:CodeDeployHook_*",
            "Effect": "Allow",
        },
    ],
}

LAMBDA_BASIC_EXECUTION: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
}

MANAGED: dict[str, dict[str, Any]] = {
    CODEDEPLOY_LAMBDA_LIMITED_ARN: CODEDEPLOY_LAMBDA_LIMITED,
    LAMBDA_BASIC_EXECUTION_ARN: LAMBDA_BASIC_EXECUTION,
    READ_ONLY_ACCESS_ARN: READ_ONLY_ACCESS,
    POWER_USER_ACCESS_ARN: POWER_USER_ACCESS,
}
