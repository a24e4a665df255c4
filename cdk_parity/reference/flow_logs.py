"""VPC flow logs of the stack's VPC, to a CloudWatch Logs group of the stack.

The delivery role trusts ``vpc-flow-logs.amazonaws.com`` for this account's flow logs
only (``aws:SourceAccount``, ``aws:SourceArn``), as the Amazon VPC User Guide's "IAM role
for publishing flow logs to CloudWatch Logs" recommends against the confused deputy; CDK's
``FlowLogDestination.to_cloud_watch_logs`` grants it the writes on the group.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_parity.reference.common import retention
from cdk_parity.reference.config import StackConfig


def vpc_flow_logs(
    scope: Construct, config: StackConfig, *, vpc: ec2.IVpc, kms_key_arn: str | None
) -> ec2.FlowLog | None:
    """All traffic of the VPC the stack creates, aggregated per minute (``vpcFlowLogs``)."""
    if not config.vpc_flow_logs:
        return None
    names = config.naming
    stack = Stack.of(scope)
    log_group = logs.LogGroup(
        scope,
        "FlowLogs",
        log_group_name=names.flow_log_group,
        retention=retention(config.log_retention_days),
        encryption_key=(
            kms.Key.from_key_arn(scope, "FlowLogsKey", kms_key_arn) if kms_key_arn else None
        ),
    )
    role = iam.Role(
        scope,
        "FlowLogsRole",
        role_name=names.flow_logs_role,
        assumed_by=iam.ServicePrincipal(
            "vpc-flow-logs.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="ec2", resource="vpc-flow-log", resource_name="*"
                    )
                },
            },
        ),
    )
    return ec2.FlowLog(
        scope,
        "FlowLog",
        resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group, role),
        traffic_type=ec2.FlowLogTrafficType.ALL,
        max_aggregation_interval=ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
    )
