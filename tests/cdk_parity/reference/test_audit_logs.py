"""Audit logs: the load balancer's and the artifact bucket's access logs, and VPC flow logs.

On in prod (``accessLogs`` defaults to ``requireRelease``), off in dev. Expected values
from AWS's documentation: ELB access logs (the ``access_logs.s3.*`` attributes, SSE-S3
only, the ELB account of ap-northeast-1, 582318560864), S3 server access logging, and the
VPC User Guide's flow-log delivery role.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

PROD = "container-delivery-prod"
#: Elastic Load Balancing's account in ap-northeast-1 (ELB User Guide, "Access logs").
ELB_ACCOUNT_AP_NORTHEAST_1 = "582318560864"


def _log_bucket(template: Template) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                }
            }
        },
    )
    assert len(found) == 1, sorted(found)
    ((logical, resource),) = found.items()
    return logical, resource["Properties"]


def test_the_load_balancer_logs_to_the_access_log_bucket(prod_template: Template) -> None:
    logical, props = _log_bucket(prod_template)
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 365
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    prod_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.bucket", "Value": {"Ref": logical}},
                    {"Key": "access_logs.s3.prefix", "Value": "alb"},
                ]
            )
        },
    )
    (policy,) = prod_template.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": logical}}}
    ).values()
    text = json.dumps(policy["Properties"]["PolicyDocument"])
    assert f":iam::{ELB_ACCOUNT_AP_NORTHEAST_1}:root" in text
    assert "/alb/AWSLogs/123456789012/*" in text


def test_the_artifact_bucket_logs_there_too(prod_template: Template) -> None:
    logical, _ = _log_bucket(prod_template)
    prod_template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LoggingConfiguration": {
                "DestinationBucketName": {"Ref": logical},
                "LogFilePrefix": "s3/artifacts/",
            }
        },
    )
    prod_template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "logging.s3.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Condition": Match.object_like(
                                    {"StringEquals": {"aws:SourceAccount": "123456789012"}}
                                ),
                            }
                        )
                    ]
                )
            },
        },
    )


def test_vpc_flow_logs_go_to_the_stack_log_group(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": f"/vpc/{PROD}/flow-logs",
            "RetentionInDays": 365,
            "KmsKeyId": Match.any_value(),  # prod's stack key
        },
    )
    prod_template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "MaxAggregationInterval": 60,
        },
    )
    (role,) = prod_template.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": f"{PROD}-vpc-flow-logs"}}
    ).values()
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert json.dumps(trust["Condition"]["ArnLike"]).endswith(':vpc-flow-log/*"]]}}')


def test_the_stack_key_lets_logs_encrypt_the_flow_logs(prod_template: Template) -> None:
    (key,) = prod_template.find_resources("AWS::KMS::Key").values()
    assert f"log-group:/vpc/{PROD}/flow-logs" in json.dumps(key["Properties"]["KeyPolicy"])


def test_dev_has_no_audit_logs(dev_template: Template) -> None:
    dev_template.resource_count_is("AWS::EC2::FlowLog", 0)
    dev_template.resource_count_is("AWS::S3::Bucket", 0)
    (balancer,) = dev_template.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    keys = {a["Key"] for a in balancer["Properties"].get("LoadBalancerAttributes", [])}
    assert "access_logs.s3.enabled" not in keys
