"""The stack's access-log bucket: the load balancer's and S3's access logs land here.

Both writers accept only SSE-S3 on the bucket they write to (Elastic Load Balancing User
Guide, "Access logs for your Application Load Balancer"; Amazon S3 User Guide, "Enabling
Amazon S3 server access logging"), so this bucket uses S3-managed keys. The writers'
statements come from CDK: ``load_balancer.log_access_logs`` adds the Region's Elastic
Load Balancing principal, a bucket that logs here adds ``logging.s3.amazonaws.com``.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.lifecycle import data_removal

#: Where the load balancer writes, under ``<prefix>/AWSLogs/<account>/``.
LOAD_BALANCER_PREFIX = "alb"


def access_log_bucket(scope: Construct, config: StackConfig) -> s3.Bucket | None:
    """The bucket, when the load balancer or the artifact bucket logs (``accessLogs``)."""
    if not config.access_log_bucket:
        return None
    removal = data_removal(config)
    return s3.Bucket(
        scope,
        "AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        removal_policy=removal,
        auto_delete_objects=removal == RemovalPolicy.DESTROY,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="expire-access-logs",
                expiration=Duration.days(config.log_retention_days),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
    )
