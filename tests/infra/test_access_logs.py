"""Access logs and flow logs: on in prod, off by default in dev, each with the policy the
service documents."""

from __future__ import annotations

import json

import pytest

from infra_pulumi.plan import Plan, PlannedResource, evaluate
from infra_pulumi.plan.mocks import released

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def prod() -> Plan:
    # Released: prod's own settings (requireRelease, so data protected and logs on).
    return evaluate("prod", invokes=released("abc1234"))


def log_bucket_policy(plan: Plan) -> dict:
    (policy,) = [
        p for p in plan.of_type("aws:s3/bucketPolicy:BucketPolicy") if "AccessLogBucket" in p.urn
    ]
    return json.loads(policy.inputs["policy"])


def by_sid(document: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in document["Statement"]}


def one(plan: Plan, typ: str, within: str) -> PlannedResource:
    (found,) = [r for r in plan.of_type(typ) if within in r.urn]
    return found


def test_dev_has_no_access_logs_by_default() -> None:
    plan = evaluate("dev")
    assert not [r for r in plan.resources if "AccessLogBucket" in r.urn or "VpcFlowLogs" in r.urn]
    (balancer,) = plan.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs.get("accessLogs") is None


def test_prod_load_balancer_logs_to_an_sse_s3_bucket_elb_may_write(prod: Plan) -> None:
    (balancer,) = prod.of_type("aws:lb/loadBalancer:LoadBalancer")
    logs = balancer.inputs["accessLogs"]
    assert logs["enabled"] is True
    assert logs["prefix"] == "alb"
    bucket = one(prod, "aws:s3/bucket:Bucket", "AccessLogBucket")
    assert logs["bucket"] == bucket.outputs["bucket"]
    assert bucket.inputs["bucketPrefix"] == "container-delivery-prod-logs-"
    encryption = one(
        prod,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "AccessLogBucket",
    )
    # ELB and S3 logging write only to SSE-S3 buckets.
    default = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "AES256"
    assert "kmsMasterKeyId" not in default
    statements = by_sid(log_bucket_policy(prod))
    elb = statements["LoadBalancerAccessLogs"]
    # ap-northeast-1's Elastic Load Balancing account (terraform-provider-aws's table).
    assert elb["Principal"] == {"AWS": "arn:aws:iam::582318560864:root"}
    assert elb["Action"] == "s3:PutObject"
    assert elb["Resource"].endswith(f"/alb/AWSLogs/{ACCOUNT}/*")
    assert statements["DenyInsecureTransport"]["Effect"] == "Deny"
    # The load balancer waits for the policy: enabling logs checks that ELB may write.
    policy = one(prod, "aws:s3/bucketPolicy:BucketPolicy", "AccessLogBucket")
    assert policy.urn in balancer.dependencies


def test_a_region_without_an_elb_account_uses_the_log_delivery_principal() -> None:
    plan = evaluate(
        "prod",
        # prod's build stage moves with it: Lambda pulls only from its own Region.
        config={"aws:region": "ap-southeast-5", "promoteFrom": {"stack": "dev"}},
        invokes=released("abc1234"),
    )
    elb = by_sid(log_bucket_policy(plan))["LoadBalancerAccessLogs"]
    assert elb["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


def test_the_artifact_bucket_logs_to_the_log_bucket(prod: Plan) -> None:
    logging = one(prod, "aws:s3/bucketLogging:BucketLogging", "ArtifactBucket")
    log_bucket = one(prod, "aws:s3/bucket:Bucket", "AccessLogBucket")
    assert logging.inputs["targetBucket"] == log_bucket.outputs["bucket"]
    assert logging.inputs["targetPrefix"] == "s3/artifacts/"
    s3 = by_sid(log_bucket_policy(prod))["S3ServerAccessLogs"]
    assert s3["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert s3["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": ["arn:aws:s3:::container-delivery-prod-artifacts-*"]},
    }


def test_prod_vpc_flow_logs_go_to_an_encrypted_log_group(prod: Plan) -> None:
    (flow,) = prod.of_type("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group = one(prod, "aws:cloudwatch/logGroup:LogGroup", "VpcFlowLogs")
    assert group.inputs["name"] == "/vpc/container-delivery-prod/flow-logs"
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert flow.inputs["logDestination"] == group.outputs["arn"]
    role = one(prod, "aws:iam/role:Role", "VpcFlowLogs")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_flow_logs_need_the_stacks_own_vpc() -> None:
    network = {
        "vpcId": "vpc-0123456789abcdef0",
        "publicSubnetIds": ["subnet-0a", "subnet-0b"],
        "privateSubnetIds": ["subnet-0c", "subnet-0d"],
    }
    plan = evaluate(
        "prod",
        config={"network": network},
        invokes=released("abc1234"),
    )
    assert not plan.of_type("aws:ec2/flowLog:FlowLog")
