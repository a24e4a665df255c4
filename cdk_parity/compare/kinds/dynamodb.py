"""DynamoDB tables: the release lock table (manifest schema 4)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import RETAINING, on_delete
from cdk_parity.compare.model import Resource

#: What a table is encrypted with, in words both sides share. Without encryption settings
#: DynamoDB uses its AWS owned key; enabled without a key, the AWS managed aws/dynamodb.
AWS_OWNED, AWS_MANAGED = "AWS owned key", "KMS: AWS managed key aws/dynamodb"


def _key(name: str | None, attributes: Mapping[str, Any]) -> str | None:
    """``lockKey (S)``: a key attribute with its type, or None for no such key."""
    return None if name is None else f"{name} ({attributes.get(name, '?')})"


def _encryption(enabled: Any, key: Any) -> str:
    if enabled is not True:
        return AWS_OWNED
    return f"KMS: customer key {key}" if key else AWS_MANAGED


def _props(
    *,
    hash_key: str | None,
    range_key: str | None,
    attributes: Sequence[tuple[str, str]],
    billing: str | None,
    encryption: str,
    deletion_protection: bool,
    ttl: str | None,
    on_delete_text: str,
) -> dict[str, Any]:
    types = dict(attributes)
    return {
        "partitionKey": _key(hash_key, types),
        "sortKey": _key(range_key, types),
        # Declared attributes beyond the keys make the provider plan a change forever.
        "attributes": sorted(f"{n} ({t})" for n, t in attributes),
        # Both CreateTable and the provider default to PROVISIONED when it is not set.
        "billingMode": billing or "PROVISIONED",
        "encryption": encryption,
        "deletionProtection": deletion_protection,
        "ttlAttribute": ttl,
        "onDelete": on_delete_text,
    }


class DynamoDbTable(Kind):
    """Keys, billing, encryption, deletion protection, TTL and what deleting the stack does
    to it; keyed by the table's name."""

    name = "dynamodb-table"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for table in plan.of("aws:dynamodb/table:Table"):
            inputs = table.inputs
            encryption = inputs.get("serverSideEncryption") or {}
            ttl = inputs.get("ttl") or {}
            props = _props(
                hash_key=inputs.get("hashKey"),
                range_key=inputs.get("rangeKey"),
                attributes=[(a["name"], a["type"]) for a in inputs.get("attributes") or []],
                billing=inputs.get("billingMode"),
                encryption=_encryption(encryption.get("enabled"), encryption.get("kmsKeyArn")),
                deletion_protection=bool(inputs.get("deletionProtectionEnabled")),
                ttl=ttl.get("attributeName") if ttl.get("enabled") else None,
                on_delete_text=on_delete(
                    protected=table.protect,
                    retained=table.retain_on_delete,
                    emptied=False,
                    holds_data=False,
                ),
            )
            yield plan.resource(self.name, str(inputs["name"]), props, table)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::DynamoDB::Table"):
            keys = {k["KeyType"]: k["AttributeName"] for k in props.get("KeySchema") or []}
            sse = props.get("SSESpecification") or {}
            ttl = props.get("TimeToLiveSpecification") or {}
            normalised = _props(
                hash_key=keys.get("HASH"),
                range_key=keys.get("RANGE"),
                attributes=[
                    (a["AttributeName"], a["AttributeType"])
                    for a in props.get("AttributeDefinitions") or []
                ],
                billing=props.get("BillingMode"),
                encryption=_encryption(sse.get("SSEEnabled"), sse.get("KMSMasterKeyId")),
                deletion_protection=bool(props.get("DeletionProtectionEnabled")),
                ttl=ttl.get("AttributeName") if ttl.get("Enabled") else None,
                on_delete_text=on_delete(
                    protected=False,
                    retained=template.resources[logical].get("DeletionPolicy") in RETAINING,
                    emptied=False,
                    holds_data=False,
                ),
            )
            yield template.resource(
                self.name, str(props.get("TableName", logical)), normalised, logical
            )
