"""S3 buckets, with their Pulumi sub-resources folded in.

The pipelines' artifact bucket is keyed ``artifact-store``: either side may let its
name be generated, so the name is a property, not the key.
"""

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
    name: str,
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
        "name": name,
        "encryption": sse_algorithm,
        "kmsKey": kms_key,
        "bucketKey": bool(bucket_key),
        "blocksAllPublicAccess": len(public_access) == 4 and all(public_access),
        "objectOwnership": ownership,
        "expireAfterDays": expiration_days,
        "abortMultipartAfterDays": abort_days,
        "tlsOnly": tls_only,
    }


#: A Pulumi bucket's settings are resources of their own, folded into the bucket.
_PULUMI_PARTS = (
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
)


def _pulumi_props(
    name: str,
    block: PlannedResource | None,
    sse: PlannedResource | None,
    expiry: PlannedResource | None,
    ownership: PlannedResource | None,
    policy: PlannedResource | None,
) -> dict[str, Any]:
    default = sse.inputs["rules"][0] if sse else {}
    by_default = default.get("applyServerSideEncryptionByDefault", {})
    rule = expiry.inputs["rules"][0] if expiry else {}
    return _bucket_props(
        name=name,
        sse_algorithm=by_default.get("sseAlgorithm"),
        kms_key=by_default.get("kmsMasterKeyId"),
        bucket_key=default.get("bucketKeyEnabled"),
        public_access=[block.inputs.get(k[0].lower() + k[1:]) for k in _BLOCKS] if block else [],
        ownership=ownership.inputs["rule"]["objectOwnership"] if ownership else None,
        expiration_days=rule.get("expiration", {}).get("days"),
        abort_days=rule.get("abortIncompleteMultipartUpload", {}).get("daysAfterInitiation"),
        policy=policy.inputs["policy"] if policy else None,
    )


class S3Bucket(Kind):
    """Encryption, public access, ownership, expiry, TLS-only policy."""

    name = "s3-bucket"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        stores = {
            str(store.get("location"))
            for pipeline in plan.of("aws:codepipeline/pipeline:Pipeline")
            for store in pipeline.inputs.get("artifactStores", [])
        }
        for bucket in plan.of("aws:s3/bucket:Bucket"):
            bucket_id = bucket.outputs.get("id")
            name = bucket.inputs.get("bucket") or (
                f"{bucket.inputs['bucketPrefix']}* (generated)"
                if bucket.inputs.get("bucketPrefix")
                else "(generated)"
            )
            parts = {
                typ: [r for r in plan.of(typ) if r.inputs.get("bucket") == bucket_id]
                for typ in _PULUMI_PARTS
            }
            props = _pulumi_props(name, *(parts[typ][0] if parts[typ] else None for typ in parts))
            key = "artifact-store" if str(bucket_id) in stores else name
            folded = [r for found in parts.values() for r in found]
            yield plan.resource(self.name, key, props, bucket, *folded)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        policies = {
            str(p.get("Bucket")): (logical, p)
            for logical, p in template.of("AWS::S3::BucketPolicy")
        }
        stores = {
            str(props.get("ArtifactStore", {}).get("Location"))
            for _, props in template.of("AWS::CodePipeline::Pipeline")
        }
        for logical, props in template.of("AWS::S3::Bucket"):
            reference = str(template.render.render({"Ref": logical}))
            name = props.get("BucketName", "(generated)")
            policy_logical, policy = policies.get(reference, (None, {}))
            sse = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [{}])[
                0
            ]
            default = sse.get("ServerSideEncryptionByDefault", {})
            block = props.get("PublicAccessBlockConfiguration", {})
            rule = props.get("LifecycleConfiguration", {}).get("Rules", [{}])[0]
            ownership = props.get("OwnershipControls", {}).get("Rules", [{}])[0]
            normalised = _bucket_props(
                name=name,
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
            key = "artifact-store" if reference in stores else name
            yield template.resource(self.name, key, normalised, *folded)
