"""The pipelines' artifact bucket: encrypted, private, TLS-only, and self-cleaning."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


def artifact_bucket(scope: Construct, construct_id: str, *, kms_key: kms.IKey | None) -> s3.Bucket:
    """Private, TLS-only, KMS-encrypted, artifacts expire after 30 days.

    No bucket name: CloudFormation generates a unique one, so the same stack can live
    in several regions of one account and nobody can claim the name first.
    """
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.KMS if kms_key else s3.BucketEncryption.KMS_MANAGED,
        encryption_key=kms_key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="expire-artifacts",
                expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
    )
