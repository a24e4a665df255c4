"""CloudWatch log groups: each function's, each build project's, the web service's, the
VPC flow logs'."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import RETAINING, on_delete
from cdk_parity.compare.model import Resource


class LogGroup(Kind):
    """Retention, the encryption key, and what deleting the stack does to it."""

    name = "log-group"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for group in plan.of("aws:cloudwatch/logGroup:LogGroup"):
            props = {
                "retentionDays": group.inputs.get("retentionInDays"),
                "kmsKey": group.inputs.get("kmsKeyId"),
                "onDelete": on_delete(
                    protected=group.protect,
                    retained=group.retain_on_delete or bool(group.inputs.get("skipDestroy")),
                    emptied=False,
                    holds_data=False,
                ),
            }
            yield plan.resource(self.name, group.inputs["name"], props, group)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::Logs::LogGroup"):
            normalised = {
                "retentionDays": props.get("RetentionInDays"),
                "kmsKey": props.get("KmsKeyId"),
                "onDelete": on_delete(
                    protected=False,
                    retained=template.resources[logical].get("DeletionPolicy") in RETAINING,
                    emptied=False,
                    holds_data=False,
                ),
            }
            yield template.resource(
                self.name, props.get("LogGroupName", logical), normalised, logical
            )
