"""Whoever may create or change roles and users may do so only under a permissions boundary.

AWS's pattern for delegating IAM ("Permissions boundaries for IAM entities"): every
statement that allows an action supporting the ``iam:PermissionsBoundary`` condition key
(per the Service Authorization Reference: CreateRole, PutRolePolicy, AttachRolePolicy,
DetachRolePolicy, DeleteRolePolicy, PutRolePermissionsBoundary and the user equivalents)
requires that key to equal the boundary policy's ARN; removing a boundary is never allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import Report, as_list, matches_any
from guardrails._iam import allowed_actions, documents, label, statements, supporting_condition_key

KEY = "iam:PermissionsBoundary"
#: Removing the boundary escapes it, whatever the condition says.
ESCAPES = frozenset({"iam:deleterolepermissionsboundary", "iam:deleteuserpermissionsboundary"})
OPERATORS = ("StringEquals", "ArnEquals")


def _boundaries(statement: Mapping[str, Any]) -> list[str] | None:
    """The boundary ARNs the statement requires, or None when it requires none."""
    condition = statement.get("Condition") or {}
    for operator in OPERATORS:
        for key, value in (condition.get(operator) or {}).items():
            if key.lower() == KEY.lower():
                return [str(v) for v in as_list(value)]
    return None


def validate(args: ResourceValidationArgs, report: Report) -> None:
    patterns = args.get_config().get("boundaryPolicyArns") or ["arn:*:iam::*:policy/*"]
    governed = supporting_condition_key(KEY) - ESCAPES
    for document in documents(args.resource_type, args.props):
        if not document.identity:
            continue
        for index, statement in enumerate(statements(document.body)):
            granted = allowed_actions(statement)
            where = f"{document.where}, {label(statement, index)}"
            escapes = sorted(a for a in granted if a.lower() in ESCAPES)
            if escapes:
                report(f"{where}: allows {', '.join(escapes)}, which removes the boundary.")
            needing = sorted(a for a in granted if a.lower() in governed)
            if not needing:
                continue
            arns = _boundaries(statement)
            if arns is None:
                report(
                    f"{where}: allows {', '.join(needing)} without the condition "
                    f'{OPERATORS[0]} {{"{KEY}": "<boundary policy ARN>"}}.'
                )
            elif not arns or not all(matches_any(arn, patterns) for arn in arns):
                report(f"{where}: {KEY} is {arns}, not a boundary policy matching {patterns}.")


POLICY = ResourceValidationPolicy(
    name="iam-permissions-boundary",
    description=(
        "Every identity-policy statement that allows creating roles or users or changing "
        "their policies must require iam:PermissionsBoundary to equal the boundary policy's "
        "ARN (config boundaryPolicyArns), and none may allow deleting a permissions boundary."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "boundaryPolicyArns": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": (
                    "Allowed boundary policy ARNs (globs); empty: any customer-managed policy."
                ),
            }
        }
    ),
)
