"""The stack's permissions boundary, the CDK way: one managed policy, applied by an Aspect.

Written from the IAM User Guide ("Permissions boundaries for IAM entities", its delegation
example) and CDK's ``iam.PermissionsBoundary``. Every role of the stack carries the policy
as its boundary, the CodeBuild role that runs ``pulumi up`` and the roles CDK's own
constructs make (custom-resource handlers, pipeline action roles) included. Role writes
are allowed only for ``<project>-<stack>-*`` roles, and those that add a permission only
with ``iam:PermissionsBoundary`` equal to this policy. Nobody may remove a boundary,
change this policy, or change the deploy role; no role may make compute outside the
stack run for it. ``tests/cdk_parity/reference/test_escalation.py`` checks every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam

from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.promotion import BuildStage

#: Services that assume this stack's roles: the only ones a role may be passed to.
ROLE_SERVICES = (
    "codebuild.amazonaws.com",
    "codedeploy.amazonaws.com",
    "codepipeline.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "lambda.amazonaws.com",
    "scheduler.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)

#: The role writes on which IAM offers the condition key ``iam:PermissionsBoundary``
#: (Service Authorization Reference, "Actions, resources, and condition keys for AWS
#: Identity and Access Management").
BOUNDED_ROLE_WRITES = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
)

#: Role writes without that key; none adds a permission beyond the boundary.
UNBOUNDED_ROLE_WRITES = (
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)

#: Changes to a managed policy's content or existence.
POLICY_WRITES = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
)

#: GitHub Actions' OIDC issuer (GitHub's "Configuring OpenID Connect in AWS").
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass(frozen=True)
class BoundaryScope:
    """ARNs the statements name, formatted by the stack (partition and account)."""

    stack_roles: str
    """``role/<project>-<stack>-*``: every role the stack creates, CloudFormation-named
    ones too (CloudFormation starts a generated name with the stack name)."""
    policy_arn: str
    """The boundary's ARN from its name: the policy cannot name itself by reference."""
    iam_prefix: str
    """``arn:<partition>:iam::<account>``."""
    name_prefix: str
    deploy_role_name: str | None
    assumable_roles: tuple[str, ...] = ()
    """Roles outside the stack its roles may assume: a promoted stage's build stage's
    promotion reader."""

    @classmethod
    def of(
        cls, stack: Stack, config: StackConfig, source: BuildStage | None = None
    ) -> BoundaryScope:
        names = config.naming
        iam_prefix = f"arn:{stack.partition}:iam::{stack.account}"
        return cls(
            stack_roles=f"{iam_prefix}:role/{names.prefix}-*",
            policy_arn=f"{iam_prefix}:policy/{names.permissions_boundary}",
            iam_prefix=iam_prefix,
            name_prefix=names.prefix,
            deploy_role_name=(
                names.build_role("infra-deploy") if config.pipelines is not None else None
            ),
            assumable_roles=(source.reader_role_arn(stack),) if source is not None else (),
        )

    def regional(self, stack: Stack, service: str, resource: str) -> str:
        """An ARN pattern of this stack's resources of one service, in any region."""
        return f"arn:{stack.partition}:{service}:*:{stack.account}:{resource}"


def role_write_statements(scope: BoundaryScope) -> list[iam.PolicyStatement]:
    """Writes on the stack's roles; those that can add a permission need the boundary."""
    return [
        iam.PolicyStatement(
            sid="StackRolesOnlyUnderTheBoundary",
            actions=list(BOUNDED_ROLE_WRITES),
            resources=[scope.stack_roles],
            conditions={"StringEquals": {"iam:PermissionsBoundary": scope.policy_arn}},
        ),
        iam.PolicyStatement(
            sid="StackRoleChangesWithinTheBoundary",
            actions=list(UNBOUNDED_ROLE_WRITES),
            resources=[scope.stack_roles],
        ),
        iam.PolicyStatement(
            sid="PassStackRolesToTheirServices",
            actions=["iam:PassRole"],
            resources=[scope.stack_roles],
            conditions={"StringEquals": {"iam:PassedToService": list(ROLE_SERVICES)}},
        ),
    ]


def identity_provider_statements(scope: BoundaryScope) -> list[iam.PolicyStatement]:
    """IAM writes on things other than roles a deploy makes: GitHub's OIDC provider and
    the service-linked roles ECS and Elastic Load Balancing create on first use."""
    return [
        iam.PolicyStatement(
            sid="GithubOidcProvider",
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
            resources=[f"{scope.iam_prefix}:oidc-provider/{GITHUB_OIDC_HOST}"],
        ),
        iam.PolicyStatement(
            sid="ServiceLinkedRolesForEcsAndElb",
            actions=["iam:CreateServiceLinkedRole"],
            resources=[f"{scope.iam_prefix}:role/aws-service-role/*"],
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


def self_protection_statements(scope: BoundaryScope) -> list[iam.PolicyStatement]:
    """Denies: no boundary is removed; the boundary and the deploy role stay as they are."""
    statements = [
        iam.PolicyStatement(
            sid="KeepEveryBoundary",
            effect=iam.Effect.DENY,
            actions=["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="TheBoundaryIsFixed",
            effect=iam.Effect.DENY,
            actions=list(POLICY_WRITES),
            resources=[scope.policy_arn],
        ),
    ]
    if scope.deploy_role_name is not None:
        # Its role, policies, attachments, boundary and trust; reading it and passing it
        # to its own build project give nothing new.
        statements.append(
            iam.PolicyStatement(
                sid="TheDeployRoleIsFixed",
                effect=iam.Effect.DENY,
                not_actions=["iam:Get*", "iam:List*", "iam:PassRole"],
                resources=[f"{scope.iam_prefix}:role/{scope.deploy_role_name}"],
            )
        )
    return statements


def outside_compute_statements(stack: Stack, scope: BoundaryScope) -> list[iam.PolicyStatement]:
    """Denies: no role of the stack may make compute outside the stack run for it."""
    prefix = scope.name_prefix
    return [
        iam.PolicyStatement(
            sid="OnlyThisStacksFunctions",
            effect=iam.Effect.DENY,
            actions=["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"],
            not_resources=[scope.regional(stack, "lambda", f"function:{prefix}-*")],
        ),
        iam.PolicyStatement(
            sid="OnlyThisStacksBuilds",
            effect=iam.Effect.DENY,
            actions=[
                "codebuild:RetryBuild",
                "codebuild:RetryBuildBatch",
                "codebuild:StartBuild",
                "codebuild:StartBuildBatch",
                "codebuild:UpdateProject",
            ],
            not_resources=[scope.regional(stack, "codebuild", f"project/{prefix}-*")],
        ),
        iam.PolicyStatement(
            sid="OnlyThisStacksTasks",
            effect=iam.Effect.DENY,
            actions=["ecs:RunTask", "ecs:StartTask"],
            not_resources=[scope.regional(stack, "ecs", f"task-definition/{prefix}-*")],
        ),
        iam.PolicyStatement(
            # A promoted stage's promote build assumes its build stage's reader role: the
            # one role outside the stack, named exactly. It reads and adds a tag there.
            sid="AssumeOnlyThisStacksRoles",
            effect=iam.Effect.DENY,
            actions=["sts:AssumeRole"],
            not_resources=[scope.stack_roles, *scope.assumable_roles],
        ),
        iam.PolicyStatement(
            # Nothing here uses them, and each runs code as someone else: commands on an
            # instance with its profile, a stack with its service role, a Glue endpoint
            # or a notebook with theirs.
            sid="NoRemoteExecution",
            effect=iam.Effect.DENY,
            actions=[
                "cloudformation:CreateChangeSet",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:UpdateStack",
                "cloudformation:UpdateStackSet",
                "glue:CreateDevEndpoint",
                "glue:UpdateDevEndpoint",
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                "ssm:SendCommand",
                "ssm:StartAutomationExecution",
                "ssm:StartSession",
            ],
            resources=["*"],
        ),
    ]


def boundary_statements(stack: Stack, scope: BoundaryScope) -> list[iam.PolicyStatement]:
    """What any role of the stack could ever be allowed."""
    return [
        iam.PolicyStatement(
            # The ceiling for every service but IAM and the organization, as AWS's
            # PowerUserAccess draws it: each role still needs its own policy per action.
            sid="ServicesUpToPowerUser",
            not_actions=["iam:*", "organizations:*", "account:*"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            # Reads only; IAM requires "*" for its List actions.
            sid="ReadIam",
            actions=["iam:Get*", "iam:List*"],
            resources=["*"],
        ),
        *role_write_statements(scope),
        *identity_provider_statements(scope),
        *self_protection_statements(scope),
        *outside_compute_statements(stack, scope),
    ]


def permissions_boundary(
    stack: Stack, config: StackConfig, source: BuildStage | None = None
) -> iam.ManagedPolicy:
    """The boundary policy, set on every role of ``stack`` (an Aspect, so roles that
    CDK's constructs create later in the tree get it too).

    CloudFormation's ``AWS::IAM::ManagedPolicy`` takes no tags, so it cannot carry the
    ``purpose=permissions-boundary`` tag the Pulumi program puts on its boundary.
    """
    policy = iam.ManagedPolicy(
        stack,
        "PermissionsBoundary",
        managed_policy_name=config.naming.permissions_boundary,
        description="Permissions boundary of every role of this stack (see the README, IAM)",
        statements=boundary_statements(stack, BoundaryScope.of(stack, config, source)),
    )
    # A ceiling is drawn with NotAction, as AWS's own PowerUserAccess is; it grants nothing.
    Validations.of(policy).acknowledge(
        Acknowledgment(
            id="CloudFormation-Validate::W2512",
            reason="a permissions boundary caps roles, and NotAction draws the cap",
        )
    )
    iam.PermissionsBoundary.of(stack).apply(policy)
    return policy
