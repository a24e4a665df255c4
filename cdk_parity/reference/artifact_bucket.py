"""The pipelines' artifact bucket: encrypted, private, TLS-only, expiring, optionally logged."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

#: Where its S3 server access logs go in the access-log bucket.
ACCESS_LOG_PREFIX = "s3/artifacts/"


def artifact_bucket(
    scope: Construct,
    construct_id: str,
    *,
    kms_key: kms.IKey | None,
    removal_policy: RemovalPolicy,
    access_logs: s3.IBucket | None = None,
) -> s3.Bucket:
    """Private, TLS-only, KMS-encrypted, artifacts expire after 30 days.

    No bucket name: CloudFormation generates a unique one, so the same stack can live
    in several regions of one account and nobody can claim the name first. A bucket
    that is not kept is emptied by CDK's auto-delete custom resource before it is
    deleted. With ``access_logs``, S3 writes server access logs there: CDK adds the
    ``logging.s3.amazonaws.com`` statement to that bucket's policy.
    """
    destroy = removal_policy == RemovalPolicy.DESTROY
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.KMS if kms_key else s3.BucketEncryption.KMS_MANAGED,
        encryption_key=kms_key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        removal_policy=removal_policy,
        auto_delete_objects=destroy,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=ACCESS_LOG_PREFIX if access_logs is not None else None,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="expire-artifacts",
                expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
    )
