"""Every S3 bucket's policy denies any request that does not use TLS."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails._buckets import buckets, configuring
from guardrails._common import Report, as_json, as_list
from guardrails._iam import statements

BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def _denies_plain_http(statement: Mapping[str, Any], bucket: str) -> bool:
    """AWS's documented form: Deny, every principal, s3:*, the bucket and its objects,
    when ``aws:SecureTransport`` is false."""
    principal = statement.get("Principal")
    everyone = principal == "*" or (
        isinstance(principal, Mapping) and as_list(principal.get("AWS")) == ["*"]
    )
    condition = (statement.get("Condition") or {}).get("Bool") or {}
    # Bucket ARNs in any partition (aws, aws-cn, aws-us-gov), by their bucket/key part.
    resources = {
        re.sub(r"^arn:[^:]+:s3:::", "", str(r)) for r in as_list(statement.get("Resource"))
    }
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and set(as_list(statement.get("Action"))) & {"s3:*", "*"} != set()
        and str(condition.get("aws:SecureTransport")).lower() == "false"
        and {bucket, f"{bucket}/*"} <= resources
    )


def validate(args: StackValidationArgs, report: Report) -> None:
    for bucket, name in buckets(args.resources):
        documents = [
            as_json(p.props.get("policy")) for p in configuring(args.resources, BUCKET_POLICY, name)
        ]
        if "policy" in bucket.props:
            documents.append(as_json(bucket.props.get("policy")))
        if not any(_denies_plain_http(s, name) for d in documents for s in statements(d)):
            report(
                f"bucket {name} has no policy statement denying s3:* on the bucket and its "
                "objects when aws:SecureTransport is false.",
                bucket.urn,
            )


POLICY = StackValidationPolicy(
    name="s3-tls-only",
    description=(
        "Every S3 bucket must have a bucket policy that denies s3:* to everyone on the bucket "
        "and its objects when aws:SecureTransport is false."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
)
