"""The pipelines' artifact bucket: encrypted, private, TLS-only, and self-cleaning.

Its name is generated (``bucket_prefix`` plus a unique suffix S3 names cannot collide
on): a fixed ``<prefix>-artifacts-<account>`` would collide when the same stack runs in a
second region, and a predictable name can be created first by someone else
("bucket squatting"). Everything that reads or writes it also checks the owner: the
sub-resources pass ``expected_bucket_owner`` where the API has it, and the pipeline and
build roles may use the bucket only while ``s3:ResourceAccount`` is this account.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra_pulumi.components.s3 import SecureBucketArgs, secure_bucket


@dataclass
class ArtifactBucketArgs:
    """Inputs of an ``ArtifactBucket``."""

    bucket_prefix: str
    """Start of the generated name; at most 37 characters (S3 appends 26)."""
    account_id: str
    """The account that must own the bucket."""
    expire_days: int = 30
    """Pipeline artifacts are only needed while a run is in flight, and for a while after."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer-managed key; None uses the AWS-managed ``aws/s3`` KMS key."""
    force_destroy: bool = False
    """True where the stack does not protect its data: ``pulumi destroy`` empties it."""
    access_logs: tuple[pulumi.Input[str], str] | None = None
    """``(log bucket, key prefix)``: S3 server access logs of this bucket."""


class ArtifactBucket(pulumi.ComponentResource):
    """An S3 bucket for CodePipeline artifacts."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ArtifactBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:ArtifactBucket", name, None, opts)
        made = secure_bucket(
            self,
            name,
            SecureBucketArgs(
                bucket_prefix=args.bucket_prefix,
                account_id=args.account_id,
                expire_days=args.expire_days,
                lifecycle_id="expire-artifacts",
                kms_key_arn=args.kms_key_arn,
                force_destroy=args.force_destroy,
                access_logs=args.access_logs,
            ),
        )
        self.bucket_name = made.bucket.bucket
        self.bucket_arn = made.bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name})
