"""No IAM policy allows every action (``"Action": "*"``), nor attaches AdministratorAccess."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report, as_list
from guardrails._iam import documents, label, statements

#: AWS's managed policy whose document is ``"Action": "*"`` on ``"*"``.
ADMINISTRATOR = "AdministratorAccess"
ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)


def validate(args: ResourceValidationArgs, report: Report) -> None:
    for document in documents(args.resource_type, args.props):
        if document.boundary:
            continue  # a ceiling, checked by iam-boundary-only; it grants nothing
        for index, statement in enumerate(statements(document.body)):
            if statement.get("Effect") != "Allow":
                continue
            if "*" in as_list(statement.get("Action")):
                report(f'{document.where}, {label(statement, index)}: Action is "*".')
            elif "NotAction" in statement:
                report(
                    f"{document.where}, {label(statement, index)}: Allow with NotAction grants "
                    "every action but those listed; list the actions instead."
                )
    arns = []
    if args.resource_type in ATTACHMENTS:
        arns = [args.props.get("policyArn")]
    elif args.resource_type == "aws:iam/role:Role":
        arns = as_list(args.props.get("managedPolicyArns"))
    for arn in arns:
        if str(arn).endswith(f":policy/{ADMINISTRATOR}"):
            report(f'attaches {arn}, whose document allows "Action": "*".')


POLICY = ResourceValidationPolicy(
    name="iam-no-action-star",
    description=(
        'No IAM policy statement may allow "Action": "*" (or every action but some, with '
        "NotAction), and no role may get AdministratorAccess: list the actions it needs."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
)
