"""Known IAM privilege-escalation primitives, as steps IAM must allow for each to work.

Sources:
- Rhino Security Labs, "AWS IAM Privilege Escalation - Methods and Mitigation" (Spencer
  Gietzen): its 21 methods, numbered ``RSL-n`` below.
- AWS IAM User Guide, "Permissions boundaries for IAM entities" (the delegation example):
  removing or replacing a boundary, changing the boundary policy, changing one's own role.
- Using someone else's compute (their role runs the code): CodeBuild projects, ECS task
  definitions, SSM commands, CloudFormation service roles and assuming roles that trust
  the account, as Bishop Fox's "iam-vulnerable" and nccgroup's PMapper list them.

A primitive escalates for a role when IAM allows every one of its steps. The test asks
each without the boundary condition (``iam:PermissionsBoundary`` absent or another
policy): a write that is allowed only with the stack's boundary on the target gives a
role no more than the boundary, which is the design.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.iam_policy import Principal


@dataclass(frozen=True)
class Target:
    """Where the stack lives: what the templates below are filled with."""

    account: str
    region: str
    prefix: str
    """The stack's physical name prefix, ``<project>-<stack>``."""
    boundary_arn: str
    partition: str = "aws"

    @property
    def iam(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}"

    def fill(self, template: str, role_arn: str) -> str:
        return template.format(
            iam=self.iam,
            account=self.account,
            region=self.region,
            prefix=self.prefix,
            boundary=self.boundary_arn,
            partition=self.partition,
            self=role_arn,
        )


@dataclass(frozen=True)
class Step:
    action: str
    resource: str
    """A template: {iam}, {account}, {region}, {prefix}, {boundary}, {partition}, and
    {self} (the ARN of the role being checked)."""
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Primitive:
    name: str
    source: str
    steps: tuple[Step, ...]


_ADMIN_ROLE = "{iam}:role/admin"
"""A role outside the stack, assumed to be an administrator's."""
_STACK_ROLE = "{iam}:role/{prefix}-new"
"""A role of the stack's name prefix (a new one, or one of the stack's)."""
_OTHER_BOUNDARY = "arn:{partition}:iam::aws:policy/AdministratorAccess"


def _pass(role: str, service: str) -> Step:
    return Step("iam:PassRole", role, {"iam:PassedToService": service})


PRIMITIVES: tuple[Primitive, ...] = (
    Primitive(
        "new version of a managed policy",
        "RSL-1",
        (Step("iam:CreatePolicyVersion", "{iam}:policy/any"),),
    ),
    Primitive(
        "new version of the boundary itself",
        "IAM User Guide, boundaries",
        (Step("iam:CreatePolicyVersion", "{boundary}"),),
    ),
    Primitive(
        "older version of a policy made default",
        "RSL-2",
        (Step("iam:SetDefaultPolicyVersion", "{iam}:policy/any"),),
    ),
    Primitive(
        "boundary's default version switched",
        "IAM User Guide, boundaries",
        (Step("iam:SetDefaultPolicyVersion", "{boundary}"),),
    ),
    Primitive(
        "an EC2 instance with a passed role",
        "RSL-3",
        (_pass(_ADMIN_ROLE, "ec2.amazonaws.com"), Step("ec2:RunInstances", "*")),
    ),
    Primitive(
        "access key for another user", "RSL-4", (Step("iam:CreateAccessKey", "{iam}:user/admin"),)
    ),
    Primitive(
        "console login for a user", "RSL-5", (Step("iam:CreateLoginProfile", "{iam}:user/admin"),)
    ),
    Primitive(
        "another user's password changed",
        "RSL-6",
        (Step("iam:UpdateLoginProfile", "{iam}:user/admin"),),
    ),
    Primitive(
        "managed policy attached to a user",
        "RSL-7",
        (Step("iam:AttachUserPolicy", "{iam}:user/admin"),),
    ),
    Primitive(
        "managed policy attached to a group",
        "RSL-8",
        (Step("iam:AttachGroupPolicy", "{iam}:group/any"),),
    ),
    Primitive(
        "managed policy attached to itself", "RSL-9", (Step("iam:AttachRolePolicy", "{self}"),)
    ),
    Primitive(
        "managed policy attached to itself, under the boundary",
        "IAM User Guide, boundaries",
        (Step("iam:AttachRolePolicy", "{self}", {"iam:PermissionsBoundary": "{boundary}"}),),
    ),
    Primitive(
        "managed policy attached to a stack role without the boundary",
        "RSL-9",
        (Step("iam:AttachRolePolicy", _STACK_ROLE),),
    ),
    Primitive(
        "managed policy attached to a role outside the stack",
        "RSL-9",
        (Step("iam:AttachRolePolicy", _ADMIN_ROLE),),
    ),
    Primitive(
        "inline policy on a user", "RSL-10", (Step("iam:PutUserPolicy", "{iam}:user/admin"),)
    ),
    Primitive(
        "inline policy on a group", "RSL-11", (Step("iam:PutGroupPolicy", "{iam}:group/any"),)
    ),
    Primitive("inline policy on itself", "RSL-12", (Step("iam:PutRolePolicy", "{self}"),)),
    Primitive(
        "inline policy on itself, under the boundary",
        "IAM User Guide, boundaries",
        (Step("iam:PutRolePolicy", "{self}", {"iam:PermissionsBoundary": "{boundary}"}),),
    ),
    Primitive(
        "inline policy on a stack role without the boundary",
        "RSL-12",
        (Step("iam:PutRolePolicy", _STACK_ROLE),),
    ),
    Primitive(
        "inline policy on a stack role under another boundary",
        "RSL-12",
        (Step("iam:PutRolePolicy", _STACK_ROLE, {"iam:PermissionsBoundary": _OTHER_BOUNDARY}),),
    ),
    Primitive(
        "user added to a group", "RSL-13", (Step("iam:AddUserToGroup", "{iam}:group/admins"),)
    ),
    Primitive(
        "trust of an outside role changed, then assumed",
        "RSL-14",
        (Step("iam:UpdateAssumeRolePolicy", _ADMIN_ROLE), Step("sts:AssumeRole", _ADMIN_ROLE)),
    ),
    Primitive(
        "its own trust changed",
        "IAM User Guide, boundaries",
        (Step("iam:UpdateAssumeRolePolicy", "{self}"),),
    ),
    Primitive(
        "a function with a passed role, invoked",
        "RSL-15",
        (
            _pass(_ADMIN_ROLE, "lambda.amazonaws.com"),
            Step("lambda:CreateFunction", "arn:{partition}:lambda:{region}:{account}:function:x"),
            Step("lambda:InvokeFunction", "arn:{partition}:lambda:{region}:{account}:function:x"),
        ),
    ),
    Primitive(
        "a function with a passed role, on an event source",
        "RSL-16",
        (
            _pass(_ADMIN_ROLE, "lambda.amazonaws.com"),
            Step("lambda:CreateFunction", "arn:{partition}:lambda:{region}:{account}:function:x"),
            Step("lambda:CreateEventSourceMapping", "*"),
        ),
    ),
    Primitive(
        "code of a function outside the stack replaced",
        "RSL-17",
        (
            Step(
                "lambda:UpdateFunctionCode",
                "arn:{partition}:lambda:{region}:{account}:function:admin-fn",
            ),
        ),
    ),
    Primitive(
        "layers of a function outside the stack replaced",
        "RSL-17",
        (
            Step(
                "lambda:UpdateFunctionConfiguration",
                "arn:{partition}:lambda:{region}:{account}:function:admin-fn",
            ),
        ),
    ),
    Primitive(
        "a Glue endpoint with a passed role",
        "RSL-18",
        (_pass(_ADMIN_ROLE, "glue.amazonaws.com"), Step("glue:CreateDevEndpoint", "*")),
    ),
    Primitive(
        "an existing Glue endpoint's key replaced",
        "RSL-19",
        (Step("glue:UpdateDevEndpoint", "arn:{partition}:glue:{region}:{account}:devEndpoint/x"),),
    ),
    Primitive(
        "a CloudFormation stack with a passed role",
        "RSL-20",
        (
            _pass(_ADMIN_ROLE, "cloudformation.amazonaws.com"),
            Step(
                "cloudformation:CreateStack",
                "arn:{partition}:cloudformation:{region}:{account}:stack/x/*",
            ),
        ),
    ),
    Primitive(
        "a data pipeline with a passed role",
        "RSL-21",
        (
            _pass(_ADMIN_ROLE, "datapipeline.amazonaws.com"),
            Step("datapipeline:CreatePipeline", "*"),
        ),
    ),
    Primitive(
        "its own boundary removed",
        "IAM User Guide, boundaries",
        (Step("iam:DeleteRolePermissionsBoundary", "{self}"),),
    ),
    Primitive(
        "a stack role's boundary removed",
        "IAM User Guide, boundaries",
        (Step("iam:DeleteRolePermissionsBoundary", _STACK_ROLE),),
    ),
    Primitive(
        "a stack role's boundary replaced by a wider one",
        "IAM User Guide, boundaries",
        (
            Step(
                "iam:PutRolePermissionsBoundary",
                _STACK_ROLE,
                {"iam:PermissionsBoundary": _OTHER_BOUNDARY},
            ),
        ),
    ),
    Primitive(
        "a new role without the boundary, passed to a function",
        "IAM User Guide, boundaries",
        (
            Step("iam:CreateRole", _STACK_ROLE),
            Step("iam:AttachRolePolicy", _STACK_ROLE),
            _pass(_STACK_ROLE, "lambda.amazonaws.com"),
        ),
    ),
    Primitive(
        "the boundary policy deleted",
        "IAM User Guide, boundaries",
        (Step("iam:DeletePolicy", "{boundary}"),),
    ),
    Primitive(
        "a build project outside the stack changed and run",
        "PMapper (CodeBuild edge)",
        (
            Step(
                "codebuild:UpdateProject",
                "arn:{partition}:codebuild:{region}:{account}:project/other",
            ),
            Step(
                "codebuild:StartBuild", "arn:{partition}:codebuild:{region}:{account}:project/other"
            ),
        ),
    ),
    Primitive(
        "a build outside the stack started with a new buildspec",
        "PMapper (CodeBuild edge)",
        (
            Step(
                "codebuild:StartBuild", "arn:{partition}:codebuild:{region}:{account}:project/other"
            ),
        ),
    ),
    Primitive(
        "a task definition outside the stack run",
        "iam-vulnerable (ECS)",
        (Step("ecs:RunTask", "arn:{partition}:ecs:{region}:{account}:task-definition/other:1"),),
    ),
    Primitive(
        "commands on an instance with its profile",
        "PMapper (SSM edge)",
        (
            Step(
                "ssm:SendCommand",
                "arn:{partition}:ec2:{region}:{account}:instance/i-0123456789abcdef0",
            ),
        ),
    ),
    Primitive(
        "a session on an instance with its profile",
        "PMapper (SSM edge)",
        (
            Step(
                "ssm:StartSession",
                "arn:{partition}:ec2:{region}:{account}:instance/i-0123456789abcdef0",
            ),
        ),
    ),
    Primitive(
        "a stack outside updated with its service role",
        "iam-vulnerable (CloudFormation)",
        (
            Step(
                "cloudformation:UpdateStack",
                "arn:{partition}:cloudformation:{region}:{account}:stack/other/*",
            ),
        ),
    ),
    Primitive(
        "a role that trusts the account assumed",
        "PMapper (STS edge)",
        (Step("sts:AssumeRole", _ADMIN_ROLE),),
    ),
    Primitive(
        "a notebook's role used through its URL",
        "iam-vulnerable (SageMaker)",
        (
            Step(
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                "arn:{partition}:sagemaker:{region}:{account}:notebook-instance/x",
            ),
        ),
    ),
)


def escalations(principal: Principal, role_arn: str, target: Target) -> list[str]:
    """The primitives every step of which IAM allows this role."""
    found = []
    for primitive in PRIMITIVES:
        if all(
            principal.allows(
                step.action,
                target.fill(step.resource, role_arn),
                {k: target.fill(v, role_arn) for k, v in step.context.items()},
            )
            for step in primitive.steps
        ):
            found.append(f"{principal.name}: {primitive.name} ({primitive.source})")
    return found
