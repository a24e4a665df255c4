"""VPC flow logs of the stack's VPC, to a CloudWatch Logs group of the stack.

The delivery role is the one the Amazon VPC User Guide documents ("IAM role for
publishing flow logs to CloudWatch Logs"), narrowed to the one log group, with the trust
conditions it recommends against the confused deputy (``aws:SourceAccount``,
``aws:SourceArn`` of this account's flow logs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import document


@dataclass
class FlowLogsArgs:
    """Inputs of ``VpcFlowLogs``."""

    vpc_id: pulumi.Input[str]
    log_group_name: str
    role_name: str
    account_id: str
    region: str
    partition: str
    retention_days: int
    kms_key_arn: pulumi.Input[str] | None = None
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary, on the delivery role (permissions_boundary.py)."""


class VpcFlowLogs(pulumi.ComponentResource):
    """All traffic of one VPC, aggregated per minute, in the stack's own log group."""

    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: FlowLogsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:network:VpcFlowLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            assume_role_policy=document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": args.account_id},
                            "ArnLike": {
                                "aws:SourceArn": f"arn:{args.partition}:ec2:{args.region}:"
                                f"{args.account_id}:vpc-flow-log/*"
                            },
                        },
                    }
                ]
            ),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=document(
                [
                    {
                        "Sid": "OwnLogGroupOnly",
                        "Effect": "Allow",
                        "Action": [
                            "logs:CreateLogStream",
                            "logs:DescribeLogStreams",
                            "logs:PutLogEvents",
                        ],
                        "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
                    },
                    {
                        # A List action: it takes no resource, and reads names only.
                        "Sid": "FindTheLogGroup",
                        "Effect": "Allow",
                        "Action": "logs:DescribeLogGroups",
                        "Resource": "*",
                    },
                ]
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=args.vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.log_group_name = log_group.name
        self.register_outputs({"log_group_name": self.log_group_name})
