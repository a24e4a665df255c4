"""S3 buckets, with their Pulumi sub-resources (and CDK's auto-delete resource) folded in.

Either side may let a bucket's name be generated, so the two buckets the stack makes
are keyed by their role: ``artifact-store`` (the pipelines' artifact store) and
``access-log-store`` (where the load balancer or another bucket writes access logs).
Within a side, a bucket named in another's policy or logging reads as its entry
(``[s3-bucket artifact-store]``), however its ARN or name is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import RETAINING, grants, on_delete, statements
from cdk_parity.compare.model import Resource
from infra_pulumi.plan import PlannedResource

_BLOCKS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def writers(policy: Any, name: Callable[[str], str]) -> list[str]:
    """Who the bucket policy lets in: ``<principal>: <grant>`` for each Allow."""
    found: set[str] = set()
    for statement in statements(policy):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal", {})
        who = (
            [f"{kind}:{value}" for kind, values in principal.items() for value in _list(values)]
            if isinstance(principal, Mapping)
            else [str(principal)]
        )
        lines = grants([{"Statement": [statement]}], name)
        found |= {f"{w}: {line}" for w in who for line in lines}
    return sorted(found)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _namer(known: Mapping[str, str]) -> Callable[[str], str]:
    """``text`` with a leading bucket ARN or name of this side replaced by its entry."""

    def name(text: str) -> str:
        for ref, entry in sorted(known.items(), key=lambda kv: -len(kv[0])):
            if text == ref or (text.startswith(ref) and text[len(ref)] in "/:"):
                return entry + text[len(ref) :]
        return text

    return name


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
    access_logs_to: str | None,
    on_delete: str,
    namer: Callable[[str], str],
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
        "writers": writers(policy, namer),
        "accessLogsTo": namer(access_logs_to) if access_logs_to else None,
        "onDelete": on_delete,
    }


#: A Pulumi bucket's settings are resources of their own, folded into the bucket.
_PULUMI_PARTS = (
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
)


def _pulumi_props(
    bucket: PlannedResource,
    name: str,
    parts: Mapping[str, PlannedResource | None],
    namer: Callable[[str], str],
) -> dict[str, Any]:
    block, sse, expiry, ownership, policy, logging = (parts[typ] for typ in _PULUMI_PARTS)
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
        access_logs_to=(
            f"{logging.inputs['targetBucket']}/{logging.inputs.get('targetPrefix', '')}"
            if logging
            else None
        ),
        on_delete=on_delete(
            protected=bucket.protect,
            retained=bucket.retain_on_delete,
            emptied=bool(bucket.inputs.get("forceDestroy")),
            holds_data=True,
        ),
        namer=namer,
    )


def _key(reference: str, name: str, stores: set[str], log_targets: set[str]) -> str:
    if reference in stores:
        return "artifact-store"
    return "access-log-store" if reference in log_targets else name


def _pulumi_roles(plan: PulumiSide) -> tuple[set[str], set[str]]:
    """The buckets (by name) that are a pipeline's artifact store, and log targets."""
    stores = {
        str(store.get("location"))
        for pipeline in plan.of("aws:codepipeline/pipeline:Pipeline")
        for store in pipeline.inputs.get("artifactStores", [])
    }
    targets = {
        str(r.inputs.get("targetBucket")) for r in plan.of("aws:s3/bucketLogging:BucketLogging")
    } | {
        str(lb.inputs["accessLogs"].get("bucket"))
        for lb in plan.of("aws:lb/loadBalancer:LoadBalancer")
        if lb.inputs.get("accessLogs", {}).get("enabled")
    }
    return stores, targets


def _cfn_roles(template: CfnSide) -> tuple[set[str], set[str]]:
    """The buckets (by rendered Ref) that are a pipeline's artifact store, and log targets."""
    stores = {
        str(props.get("ArtifactStore", {}).get("Location"))
        for _, props in template.of("AWS::CodePipeline::Pipeline")
    }
    targets = {
        str(p.get("LoggingConfiguration", {}).get("DestinationBucketName"))
        for _, p in template.of("AWS::S3::Bucket")
    } | {
        str(a["Value"])
        for _, p in template.of("AWS::ElasticLoadBalancingV2::LoadBalancer")
        for a in p.get("LoadBalancerAttributes", [])
        if a["Key"] == "access_logs.s3.bucket"
    }
    return stores, targets


class S3Bucket(Kind):
    """Encryption, public access, ownership, expiry, policy (TLS-only and who may write),
    where it sends its access logs, and what deleting the stack does to it."""

    name = "s3-bucket"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        stores, log_targets = _pulumi_roles(plan)
        keyed: list[tuple[PlannedResource, str, str]] = []
        for bucket in plan.of("aws:s3/bucket:Bucket"):
            prefix = bucket.inputs.get("bucketPrefix")
            name = bucket.inputs.get("bucket") or (
                f"{prefix}* (generated)" if prefix else "(generated)"
            )
            keyed.append(
                (bucket, name, _key(str(bucket.outputs.get("id")), name, stores, log_targets))
            )
        known = {
            ref: f"[{self.name} {key}]"
            for bucket, _, key in keyed
            for ref in (str(bucket.outputs.get("arn")), str(bucket.outputs.get("id")))
        }
        for bucket, name, key in keyed:
            bucket_id = bucket.outputs.get("id")
            found = {
                typ: [r for r in plan.of(typ) if r.inputs.get("bucket") == bucket_id]
                for typ in _PULUMI_PARTS
            }
            parts = {typ: rs[0] if rs else None for typ, rs in found.items()}
            props = _pulumi_props(bucket, name, parts, _namer(known))
            folded = [r for rs in found.values() for r in rs]
            yield plan.resource(self.name, key, props, bucket, *folded)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        render = template.render.render
        policies = {
            str(p.get("Bucket")): (logical, p)
            for logical, p in template.of("AWS::S3::BucketPolicy")
        }
        emptiers = {
            str(p.get("BucketName")): logical
            for logical, p in template.of("Custom::S3AutoDeleteObjects")
        }
        stores, log_targets = _cfn_roles(template)
        keyed = []
        for logical, props in template.of("AWS::S3::Bucket"):
            reference = str(render({"Ref": logical}))
            name = props.get("BucketName", "(generated)")
            keyed.append(
                (logical, props, reference, name, _key(reference, name, stores, log_targets))
            )
        known = {
            ref: f"[{self.name} {key}]"
            for logical, _, reference, _, key in keyed
            for ref in (reference, *template.render.arns(logical))
        }
        for logical, props, reference, name, key in keyed:
            policy_logical, policy = policies.get(reference, (None, {}))
            emptier = emptiers.get(reference)
            normalised = _cfn_props(template, logical, props, name, policy, emptier, known)
            folded = [logical, *(x for x in (policy_logical, emptier) if x)]
            yield template.resource(self.name, key, normalised, *folded)


def _cfn_props(
    template: CfnSide,
    logical: str,
    props: Mapping[str, Any],
    name: str,
    policy: Mapping[str, Any],
    emptier: str | None,
    known: Mapping[str, str],
) -> dict[str, Any]:
    sse = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [{}])[0]
    default = sse.get("ServerSideEncryptionByDefault", {})
    block = props.get("PublicAccessBlockConfiguration", {})
    rule = props.get("LifecycleConfiguration", {}).get("Rules", [{}])[0]
    ownership = props.get("OwnershipControls", {}).get("Rules", [{}])[0]
    logging = props.get("LoggingConfiguration")
    return _bucket_props(
        name=name,
        sse_algorithm=default.get("SSEAlgorithm"),
        kms_key=default.get("KMSMasterKeyID"),
        bucket_key=sse.get("BucketKeyEnabled"),
        public_access=[block.get(k) for k in _BLOCKS] if block else [],
        ownership=ownership.get("ObjectOwnership"),
        expiration_days=rule.get("ExpirationInDays"),
        abort_days=rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"),
        policy=policy.get("PolicyDocument"),
        access_logs_to=(
            f"{logging.get('DestinationBucketName')}/{logging.get('LogFilePrefix', '')}"
            if logging
            else None
        ),
        on_delete=on_delete(
            protected=False,
            retained=template.resources[logical].get("DeletionPolicy") in RETAINING,
            emptied=emptier is not None,
            holds_data=True,
        ),
        namer=_namer(known),
    )
