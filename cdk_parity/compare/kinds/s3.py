"""The pipelines' artifact bucket, with its Pulumi sub-resources folded in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import statements
from cdk_parity.compare.model import Resource
from infra_pulumi.plan import PlannedResource

_BLOCKS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def _bucket_props(
    *,
    sse_algorithm: Any,
    kms_key: Any,
    bucket_key: Any,
    public_access: list[Any],
    ownership: Any,
    expiration_days: Any,
    abort_days: Any,
    policy: Any,
) -> dict[str, Any]:
    tls_only = any(
        s.get("Effect") == "Deny"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements(policy)
    )
    return {
        "encryption": sse_algorithm,
        "kmsKey": kms_key,
        "bucketKey": bool(bucket_key),
        "blocksAllPublicAccess": len(public_access) == 4 and all(public_access),
        "objectOwnership": ownership,
        "expireAfterDays": expiration_days,
        "abortMultipartAfterDays": abort_days,
        "tlsOnly": tls_only,
    }


class S3Bucket(Kind):
    """Encryption, public access, ownership, expiry, TLS-only policy."""

    name = "s3-bucket"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for bucket in plan.of("aws:s3/bucket:Bucket"):
            bucket_id = bucket.outputs.get("id")

            def mine(typ: str, bucket_id: Any = bucket_id) -> list[PlannedResource]:
                return [r for r in plan.of(typ) if r.inputs.get("bucket") == bucket_id]

            block = mine("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
            sse = mine(
                "aws:s3/bucketServerSideEncryptionConfiguration:"
                "BucketServerSideEncryptionConfiguration"
            )
            expiry = mine("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
            ownership = mine("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
            policy = mine("aws:s3/bucketPolicy:BucketPolicy")
            default = sse[0].inputs["rules"][0] if sse else {}
            by_default = default.get("applyServerSideEncryptionByDefault", {})
            rule = expiry[0].inputs["rules"][0] if expiry else {}
            props = _bucket_props(
                sse_algorithm=by_default.get("sseAlgorithm"),
                kms_key=by_default.get("kmsMasterKeyId"),
                bucket_key=default.get("bucketKeyEnabled"),
                public_access=[block[0].inputs.get(k[0].lower() + k[1:]) for k in _BLOCKS]
                if block
                else [],
                ownership=ownership[0].inputs["rule"]["objectOwnership"] if ownership else None,
                expiration_days=rule.get("expiration", {}).get("days"),
                abort_days=rule.get("abortIncompleteMultipartUpload", {}).get(
                    "daysAfterInitiation"
                ),
                policy=policy[0].inputs["policy"] if policy else None,
            )
            yield plan.resource(
                self.name,
                bucket.inputs["bucket"],
                props,
                bucket,
                *block,
                *sse,
                *expiry,
                *ownership,
                *policy,
            )

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        policies = {
            str(p.get("Bucket")): (logical, p)
            for logical, p in template.of("AWS::S3::BucketPolicy")
        }
        for logical, props in template.of("AWS::S3::Bucket"):
            name = props.get("BucketName", logical)
            policy_logical, policy = policies.get(name, (None, {}))
            sse = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [{}])[
                0
            ]
            default = sse.get("ServerSideEncryptionByDefault", {})
            block = props.get("PublicAccessBlockConfiguration", {})
            rule = props.get("LifecycleConfiguration", {}).get("Rules", [{}])[0]
            ownership = props.get("OwnershipControls", {}).get("Rules", [{}])[0]
            normalised = _bucket_props(
                sse_algorithm=default.get("SSEAlgorithm"),
                kms_key=default.get("KMSMasterKeyID"),
                bucket_key=sse.get("BucketKeyEnabled"),
                public_access=[block.get(k) for k in _BLOCKS] if block else [],
                ownership=ownership.get("ObjectOwnership"),
                expiration_days=rule.get("ExpirationInDays"),
                abort_days=rule.get("AbortIncompleteMultipartUpload", {}).get(
                    "DaysAfterInitiation"
                ),
                policy=policy.get("PolicyDocument"),
            )
            folded = [logical, *([policy_logical] if policy_logical else [])]
            yield template.resource(self.name, name, normalised, *folded)
