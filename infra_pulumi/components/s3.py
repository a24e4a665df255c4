"""A private S3 bucket as this stack makes them: owner-enforced, public access blocked,
encrypted, expiring, TLS-only, and optionally logged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document


@dataclass
class SecureBucketArgs:
    """How one private bucket is made."""

    bucket_prefix: str
    """Start of the generated name; at most 37 characters (S3 appends 26)."""
    account_id: str
    """The account that must own the bucket (``expected_bucket_owner`` where the API has it)."""
    expire_days: int
    lifecycle_id: str
    encryption: Literal["aws:kms", "AES256"] = "aws:kms"
    kms_key_arn: pulumi.Input[str] | None = None
    """With ``aws:kms``: a customer-managed key; None uses the AWS-managed ``aws/s3`` key."""
    force_destroy: bool = False
    """Let ``pulumi destroy`` delete the bucket with its objects (stacks that do not protect
    their data); otherwise a bucket with objects cannot be deleted."""
    policy_statements: Callable[[pulumi.Output[str]], Sequence[dict[str, Any]]] | None = None
    """Given the bucket's ARN, policy statements besides the TLS-only deny (e.g. a log
    delivery service's)."""
    access_logs: tuple[pulumi.Input[str], str] | None = None
    """``(target bucket, key prefix)`` for S3 server access logs of this bucket."""


@dataclass(frozen=True)
class SecureBucket:
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy
    """The bucket policy: a writer that the policy admits must wait for it."""


def secure_bucket(parent: pulumi.Resource, name: str, args: SecureBucketArgs) -> SecureBucket:
    """Create the bucket and its settings as children of ``parent``."""
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        f"{name}-bucket",
        bucket_prefix=args.bucket_prefix,
        force_destroy=args.force_destroy,
        opts=child,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child,
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    default = (
        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm=args.encryption,
            kms_master_key_id=args.kms_key_arn if args.encryption == "aws:kms" else None,
        )
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=default,
                bucket_key_enabled=args.encryption == "aws:kms",
            )
        ],
        expected_bucket_owner=args.account_id,
        opts=child,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=args.lifecycle_id,
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=args.expire_days
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=1
                ),
            )
        ],
        expected_bucket_owner=args.account_id,
        opts=child,
    )
    policy = aws.s3.BucketPolicy(
        f"{name}-tls-only",
        bucket=bucket.id,
        policy=document(
            [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                *(args.policy_statements(bucket.arn) if args.policy_statements else []),
            ]
        ),
        opts=child,
    )
    if args.access_logs is not None:
        target, prefix = args.access_logs
        aws.s3.BucketLogging(
            f"{name}-access-logs",
            bucket=bucket.id,
            target_bucket=target,
            target_prefix=prefix,
            expected_bucket_owner=args.account_id,
            opts=child,
        )
    return SecureBucket(bucket, policy)
