"""The stack's permissions boundary: the ceiling of every role the stack creates.

``pulumi up`` must create and change IAM roles, so the role that runs it holds IAM
writes. Without a ceiling those writes are a way to administrator: put ``*:*`` on itself,
or create a role, attach ``AdministratorAccess`` and pass it to a function it creates.
The design (AWS IAM User Guide, "Permissions boundaries for IAM entities", the
delegation example) closes that:

- Every role the stack creates carries this managed policy as its permissions boundary,
  the role that runs ``pulumi up`` included. A role can never do more than the boundary
  allows, whatever policies it is given.
- The deploy role may create a role, or give one policies, only with
  ``iam:PermissionsBoundary`` equal to this policy (``role_write_statements``), and only
  for this stack's roles (``<project>-<stack>-*``). It may pass them only to the services
  that assume them.
- Nobody under the boundary may remove or replace a boundary, change this policy, or
  change the deploy role itself, its policies or its trust (explicit ``Deny``). Changing
  the deploy path therefore takes an administrator's ``pulumi up``, by design.
- Compute outside the stack (other functions, build projects, task definitions, stacks,
  instances reached through SSM) cannot be made to run code for the stack's roles: using
  an existing privileged resource is an escalation too.

The list of escalation primitives this answers, and the test that every role emitted
resists each of them, is in ``tests/infra/test_escalation.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document, one_or_many

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

#: Role writes IAM lets a policy tie to the new state's boundary: the condition key
#: ``iam:PermissionsBoundary`` is available on exactly these (IAM User Guide, "Actions,
#: resources, and condition keys for AWS Identity and Access Management").
BOUNDED_ROLE_WRITES = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
)

#: Role writes without that condition key. None adds a permission a role could use
#: beyond its boundary: trust changes let another principal of this stack use a role
#: whose ceiling is still the boundary.
UNBOUNDED_ROLE_WRITES = (
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)

#: The tag the guardrails pack (``policy/guardrails/_iam.py``) knows a boundary by.
BOUNDARY_TAG = ("purpose", "permissions-boundary")

#: Changes to a managed policy's content or existence.
POLICY_WRITES = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
)


@dataclass(frozen=True)
class BoundaryScope:
    """Whose boundary: the account, the stack's name prefix and the deploy role's name."""

    account_id: str
    partition: str
    name_prefix: str
    """``<project>-<stack>``: every physical name of the stack starts with it."""
    policy_name: str
    deploy_role_name: str | None = None
    """The role that runs ``pulumi up`` in the infra pipeline, when the stack has one."""
    assumable_roles: tuple[str, ...] = ()
    """Roles outside the stack its roles may assume: a promoted stage's build stage's
    promotion reader (README, "Build once, promote"), by exact ARN."""

    @property
    def iam(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}"

    @property
    def policy_arn(self) -> str:
        """Known before the policy exists: IAM names a managed policy's ARN by its name."""
        return f"{self.iam}:policy/{self.policy_name}"

    @property
    def stack_roles(self) -> str:
        return f"{self.iam}:role/{self.name_prefix}-*"

    def regional(self, service: str, resource: str) -> str:
        """An ARN pattern of this stack's resources of one service, in any region."""
        return f"arn:{self.partition}:{service}:*:{self.account_id}:{resource}"


def role_write_statements(scope: BoundaryScope) -> list[dict[str, Any]]:
    """The role writes ``pulumi up`` needs, each tied to the boundary where IAM allows."""
    return [
        {
            "Sid": "StackRolesOnlyUnderTheBoundary",
            "Effect": "Allow",
            "Action": list(BOUNDED_ROLE_WRITES),
            "Resource": scope.stack_roles,
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": scope.policy_arn}},
        },
        {
            "Sid": "StackRoleChangesWithinTheBoundary",
            "Effect": "Allow",
            "Action": list(UNBOUNDED_ROLE_WRITES),
            "Resource": scope.stack_roles,
        },
        {
            # Only to the services that assume this stack's roles.
            "Sid": "PassStackRolesToTheirServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": scope.stack_roles,
            "Condition": {"StringEquals": {"iam:PassedToService": list(ROLE_SERVICES)}},
        },
    ]


def self_protection_statements(scope: BoundaryScope) -> list[dict[str, Any]]:
    """Explicit denies: no boundary is removed, the boundary and the deploy role stay fixed."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "KeepEveryBoundary",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            "Resource": "*",
        },
        {
            "Sid": "TheBoundaryIsFixed",
            "Effect": "Deny",
            "Action": list(POLICY_WRITES),
            "Resource": scope.policy_arn,
        },
    ]
    if scope.deploy_role_name is not None:
        statements.append(
            {
                # Its own role, inline policies, attachments, boundary and trust. Reading it
                # stays allowed (a refresh reads it), and passing it to CodeBuild too: its
                # own build project names it, and passing grants nothing new.
                "Sid": "TheDeployRoleIsFixed",
                "Effect": "Deny",
                "NotAction": ["iam:Get*", "iam:List*", "iam:PassRole"],
                "Resource": f"{scope.iam}:role/{scope.deploy_role_name}",
            }
        )
    return statements


def outside_compute_statements(scope: BoundaryScope) -> list[dict[str, Any]]:
    """Denies: no role of the stack may make compute outside the stack run for it."""
    prefix = scope.name_prefix
    return [
        {
            "Sid": "OnlyThisStacksFunctions",
            "Effect": "Deny",
            "Action": ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"],
            "NotResource": scope.regional("lambda", f"function:{prefix}-*"),
        },
        {
            "Sid": "OnlyThisStacksBuilds",
            "Effect": "Deny",
            "Action": [
                "codebuild:RetryBuild",
                "codebuild:RetryBuildBatch",
                "codebuild:StartBuild",
                "codebuild:StartBuildBatch",
                "codebuild:UpdateProject",
            ],
            "NotResource": scope.regional("codebuild", f"project/{prefix}-*"),
        },
        {
            "Sid": "OnlyThisStacksTasks",
            "Effect": "Deny",
            "Action": ["ecs:RunTask", "ecs:StartTask"],
            "NotResource": scope.regional("ecs", f"task-definition/{prefix}-*"),
        },
        {
            # A promoted stage's promote build assumes its build stage's reader role, which
            # sits in another stack (and perhaps another account): named exactly, it is the
            # one role outside the stack a role may assume. Its grants are reads and a new
            # tag on an existing image in the build stage (promotion_reader.py), so it is no
            # way to more than this boundary allows; without this entry the deny below would
            # refuse the promotion whatever the promote role's own policy allows.
            "Sid": "AssumeOnlyThisStacksRoles",
            "Effect": "Deny",
            "Action": "sts:AssumeRole",
            "NotResource": one_or_many([scope.stack_roles, *scope.assumable_roles]),
        },
        {
            # Nothing here uses them; each runs code as someone else: commands on instances
            # with their profiles, a stack with its service role, a Glue endpoint or a
            # notebook with theirs.
            "Sid": "NoRemoteExecution",
            "Effect": "Deny",
            "Action": [
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
            "Resource": "*",
        },
    ]


def boundary_statements(
    scope: BoundaryScope, extra_allows: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The boundary's document: what any role of the stack could ever be allowed."""
    return [
        {
            # The ceiling for every service but IAM and the organization (as AWS's
            # PowerUserAccess draws it): a role still needs its own policy for each
            # action; the boundary only caps.
            "Sid": "ServicesUpToPowerUser",
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        },
        {
            # Reads only: IAM requires "*" for the List actions.
            "Sid": "ReadIam",
            "Effect": "Allow",
            "Action": ["iam:Get*", "iam:List*"],
            "Resource": "*",
        },
        *role_write_statements(scope),
        *extra_allows,
        *self_protection_statements(scope),
        *outside_compute_statements(scope),
    ]


@dataclass
class PermissionsBoundaryArgs:
    """Inputs of a ``PermissionsBoundary``."""

    scope: BoundaryScope
    extra_allows: Sequence[dict[str, Any]] = ()
    """IAM writes on things other than roles that the deploy role needs (the GitHub OIDC
    provider, service-linked roles): allowed in the boundary so the deploy role keeps them."""


class PermissionsBoundary(pulumi.ComponentResource):
    """The managed policy every role of the stack carries as its permissions boundary."""

    policy_arn: pulumi.Output[str]
    """The policy's ARN; roles take it as an Output, so they are created after it."""

    def __init__(
        self, name: str, args: PermissionsBoundaryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:iam:PermissionsBoundary", name, None, opts)
        policy = aws.iam.Policy(
            f"{name}-policy",
            name=args.scope.policy_name,
            description="Permissions boundary of every role of this stack (see the README, IAM)",
            policy=document(boundary_statements(args.scope, args.extra_allows)),
            # Marks it for the guardrails pack (policy/): a ceiling, attached to nothing.
            tags={BOUNDARY_TAG[0]: BOUNDARY_TAG[1]},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy_arn = policy.arn
        self.register_outputs({"policy_arn": self.policy_arn})
