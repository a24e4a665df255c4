"""What invokes a function: an EventBridge Scheduler schedule or a Function URL, on its alias.

Every trigger targets the ``live`` alias, never ``$LATEST`` or a version number, so a
release (CodeDeploy moving the alias) changes what every invoker runs, in the
deployment's steps, and a rollback changes it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document


@dataclass
class AliasScheduleArgs:
    """Inputs of an ``AliasSchedule``."""

    schedule_name: str
    """Physical schedule name, in the account's ``default`` schedule group."""
    role_name: str
    """The role EventBridge Scheduler assumes to invoke the alias."""
    expression: str
    """``cron(...)``, ``rate(...)`` or ``at(...)``, validated with the stack config."""
    timezone: str
    """IANA time zone the expression is read in, e.g. ``UTC`` or ``Asia/Tokyo``."""
    alias_arn: pulumi.Input[str]
    """``<function ARN>:live``: the only thing the role may invoke."""
    account_id: str
    """This account: the trust policy accepts Scheduler only on its behalf."""
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary, on each role this creates (permissions_boundary.py)."""


class AliasSchedule(pulumi.ComponentResource):
    """An EventBridge Scheduler schedule invoking one function's alias, with its own role."""

    schedule_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AliasScheduleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:lambda:AliasSchedule", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            # aws:SourceAccount guards against the confused deputy: only schedules of this
            # account may use the role (EventBridge Scheduler User Guide, "Set up the
            # execution role").
            assume_role_policy=document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                    }
                ]
            ),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=document(
                [
                    {
                        "Sid": "InvokeTheLiveAliasOnly",
                        "Effect": "Allow",
                        "Action": "lambda:InvokeFunction",
                        "Resource": args.alias_arn,
                    }
                ]
            ),
            opts=child,
        )
        schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            name=args.schedule_name,
            group_name="default",
            schedule_expression=args.expression,
            schedule_expression_timezone=args.timezone,
            # A job runs at its time, not somewhere in a window after it.
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(arn=args.alias_arn, role_arn=role.arn),
            state="ENABLED",
            # Scheduler assumes the role at each run: its policy exists before the first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.schedule_arn = schedule.arn
        self.role_arn = role.arn
        self.register_outputs({"schedule_arn": self.schedule_arn})


UrlAuth = Literal["AWS_IAM", "NONE"]


@dataclass
class AliasFunctionUrlArgs:
    """Inputs of an ``AliasFunctionUrl``."""

    function_name: pulumi.Input[str]
    alias_name: pulumi.Input[str]
    """The alias the URL serves (``live``): the URL follows every release and rollback."""
    auth: UrlAuth
    """``AWS_IAM``: callers sign with SigV4. ``NONE``: public, anyone on the internet."""


class AliasFunctionUrl(pulumi.ComponentResource):
    """A Function URL on one function's alias; with ``NONE``, the permissions that make it public.

    With ``AWS_IAM`` callers need ``lambda:InvokeFunctionUrl`` (and, for URLs created
    since October 2025, ``lambda:InvokeFunction``) in their own policies; the function's
    resource policy grants nothing. With ``NONE`` the URL is **public**: Lambda
    authenticates nobody, and the resource policy must let everyone (``"*"``) invoke it,
    which is what the two permissions below do, each limited to calls through the URL.
    """

    url: pulumi.Output[str]

    def __init__(
        self, name: str, args: AliasFunctionUrlArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:lambda:AliasFunctionUrl", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        public: list[pulumi.Resource] = []
        if args.auth == "NONE":
            # Lambda User Guide, "Control access to Lambda function URLs": a public URL
            # needs lambda:InvokeFunctionUrl for "*" with FunctionUrlAuthType NONE and,
            # since October 2025, lambda:InvokeFunction for "*" limited to invocations
            # through a function URL. Both on the alias, the URL's qualifier.
            public = [
                aws.lambda_.Permission(
                    f"{name}-public-url",
                    function=args.function_name,
                    qualifier=args.alias_name,
                    action="lambda:InvokeFunctionUrl",
                    principal="*",
                    function_url_auth_type="NONE",
                    statement_id="PublicFunctionUrl",
                    opts=child,
                ),
                aws.lambda_.Permission(
                    f"{name}-public-invoke",
                    function=args.function_name,
                    qualifier=args.alias_name,
                    action="lambda:InvokeFunction",
                    principal="*",
                    invoked_via_function_url=True,
                    statement_id="PublicFunctionUrlInvoke",
                    opts=child,
                ),
            ]
        function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=args.function_name,
            qualifier=args.alias_name,
            authorization_type=args.auth,
            opts=pulumi.ResourceOptions(parent=self, depends_on=public),
        )
        self.url = function_url.function_url
        self.register_outputs({"url": self.url})
