"""Small helpers for IAM policy documents built from Outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi


def one_or_many(resources: Sequence[Any]) -> Any:
    """A statement's ``Resource``: the one ARN as it is, several as a list.

    A list of one would do the same for IAM, but it changes the policy document, and so
    shows as a diff on every stack deployed before a second ARN was possible.
    """
    return resources[0] if len(resources) == 1 else list(resources)


def document(statements: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    """A policy document whose statements may hold Outputs (ARNs of other resources)."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role(service: str) -> pulumi.Output[str]:
    """Trust policy letting one AWS service assume the role."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def bucket_owner(account_id: str) -> dict[str, Any]:
    """Condition: the S3 bucket belongs to this account (the IAM form of expected owner)."""
    return {"StringEquals": {"s3:ResourceAccount": account_id}}


def log_streams(log_group_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Write access to one log group's streams; ``:*`` is AWS's form for its streams."""
    return {
        "Sid": "OwnLogGroupOnly",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": pulumi.Output.concat(log_group_arn, ":*"),
    }
