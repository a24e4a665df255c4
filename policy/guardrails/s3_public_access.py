"""Every S3 bucket has a public access block with all four settings on."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails._buckets import buckets, configuring
from guardrails._common import Report

BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def validate(args: StackValidationArgs, report: Report) -> None:
    for bucket, name in buckets(args.resources):
        blocks = configuring(args.resources, BLOCK, name)
        if not blocks:
            report(f"bucket {name} has no BucketPublicAccessBlock.", bucket.urn)
        for block in blocks:
            off = [s for s in SETTINGS if block.props.get(s) is not True]
            if off:
                report(f"public access block of {name} leaves {', '.join(off)} off.", block.urn)


POLICY = StackValidationPolicy(
    name="s3-public-access-blocked",
    description=(
        "Every S3 bucket must have a BucketPublicAccessBlock with blockPublicAcls, "
        "blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
)
