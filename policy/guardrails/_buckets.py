"""S3 buckets and the sub-resources that configure them, matched by bucket name."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


def buckets(resources: list[PolicyResource]) -> Iterator[tuple[PolicyResource, str]]:
    """Each bucket with its name (``bucket``, which a sub-resource's ``bucket`` names)."""
    for resource in resources:
        if resource.resource_type in BUCKET_TYPES:
            yield resource, str(resource.props.get("bucket") or resource.props.get("id"))


def configuring(resources: list[PolicyResource], typ: str, bucket: str) -> list[PolicyResource]:
    """The sub-resources of one type whose ``bucket`` is this bucket."""
    return [r for r in resources if r.resource_type == typ and str(r.props.get("bucket")) == bucket]
