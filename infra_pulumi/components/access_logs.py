"""The stack's access-log bucket: where the load balancer and S3 write their access logs.

Both writers accept only SSE-S3 on the bucket they write to (Elastic Load Balancing User
Guide, "Access logs for your Application Load Balancer": "The only server-side encryption
option that's supported is Amazon S3-managed keys (SSE-S3)"; Amazon S3 User Guide,
"Enabling Amazon S3 server access logging": a destination with SSE-KMS default encryption
is not supported), so this bucket uses SSE-S3 where the others use KMS.

The bucket policy is the one each service documents:
- Elastic Load Balancing writes ``<prefix>/AWSLogs/<account>/*``. In Regions available
  before August 2022 the writer is the Region's ELB account (``aws.elb.get_service_account``
  knows them: terraform-provider-aws ``internal/service/elb/service_account_data_source.go``);
  in newer Regions it is the service principal ``logdelivery.elasticloadbalancing.amazonaws.com``.
- S3 server access logging writes as ``logging.s3.amazonaws.com``, allowed only for this
  account's source buckets (``aws:SourceAccount``, ``aws:SourceArn``), since the bucket
  owner enforces object ownership (ACLs disabled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi import engine_errors
from infra_pulumi.components.s3 import SecureBucketArgs, secure_bucket
from infra_pulumi.exceptions import LookupFailedError

#: Where each writer puts its logs in the bucket.
LOAD_BALANCER_PREFIX = "alb"
S3_ACCESS_LOG_PREFIX = "s3/"
ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"


def elb_log_writer(region: str) -> Mapping[str, str]:
    """The principal Elastic Load Balancing writes access logs as, in ``region``."""
    try:
        return {"AWS": aws.elb.get_service_account(region=region).arn}
    except Exception as exc:  # the engine raises a plain Exception; classified below
        if engine_errors.is_unsupported_elb_region(exc):
            return {"Service": ELB_LOG_DELIVERY}
        raise LookupFailedError(
            f"the Elastic Load Balancing account of region {region}", engine_errors.describe(exc)
        ) from exc


@dataclass
class AccessLogBucketArgs:
    """Inputs of an ``AccessLogBucket``."""

    bucket_prefix: str
    account_id: str
    partition: str
    expire_days: int
    force_destroy: bool = False
    load_balancer_writer: Mapping[str, str] | None = None
    """The principal of ``elb_log_writer``, when the load balancer logs here."""
    logged_bucket_arns: Sequence[str] = field(default_factory=tuple)
    """ARN patterns (``ArnLike``) of the buckets whose S3 server access logs come here."""


class AccessLogBucket(pulumi.ComponentResource):
    """A private, SSE-S3, TLS-only bucket that only the log writers may write to."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    policy: aws.s3.BucketPolicy
    """The bucket policy: the load balancer must wait for it (it checks it may write)."""

    def __init__(
        self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:logs:AccessLogBucket", name, None, opts)

        def statements(bucket_arn: pulumi.Output[str]) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            if args.load_balancer_writer is not None:
                found.append(
                    {
                        "Sid": "LoadBalancerAccessLogs",
                        "Effect": "Allow",
                        "Principal": dict(args.load_balancer_writer),
                        "Action": "s3:PutObject",
                        "Resource": pulumi.Output.concat(
                            bucket_arn, f"/{LOAD_BALANCER_PREFIX}/AWSLogs/{args.account_id}/*"
                        ),
                    }
                )
            if args.logged_bucket_arns:
                found.append(
                    {
                        "Sid": "S3ServerAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": pulumi.Output.concat(bucket_arn, f"/{S3_ACCESS_LOG_PREFIX}*"),
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": args.account_id},
                            "ArnLike": {"aws:SourceArn": list(args.logged_bucket_arns)},
                        },
                    }
                )
            return found

        made = secure_bucket(
            self,
            name,
            SecureBucketArgs(
                bucket_prefix=args.bucket_prefix,
                account_id=args.account_id,
                expire_days=args.expire_days,
                lifecycle_id="expire-access-logs",
                encryption="AES256",
                force_destroy=args.force_destroy,
                policy_statements=statements,
            ),
        )
        self.policy = made.policy
        self.bucket_name = made.bucket.bucket
        self.bucket_arn = made.bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name})
