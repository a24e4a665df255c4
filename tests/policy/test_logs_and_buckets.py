"""Log retention and encryption, S3 public access and TLS, DynamoDB encryption: planted, fixed."""

from __future__ import annotations

from tests.policy.conftest import ACCOUNT, Check, document, of, resource

KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0000"


def log_group(**inputs: object) -> object:
    return resource(
        "aws:cloudwatch/logGroup:LogGroup", "logs", {"name": "/aws/lambda/shop-test-fn", **inputs}
    )


def test_retention_missing_or_below_the_floor_is_reported(check: Check) -> None:
    assert of(check(log_group()), "log-group-retention")
    assert of(check(log_group(retentionInDays=7)), "log-group-retention")
    assert not of(check(log_group(retentionInDays=14)), "log-group-retention")


def test_the_retention_floor_is_config(check: Check) -> None:
    config = {"log-group-retention": {"minimumRetentionDays": 90}}
    found = of(check(log_group(retentionInDays=30), policy_config=config), "log-group-retention")
    assert found
    assert "below the floor of 90" in found[0].message
    assert not of(
        check(log_group(retentionInDays=365), policy_config=config), "log-group-retention"
    )


def key() -> object:
    return resource("aws:kms/key:Key", "key", {"enableKeyRotation": True}, {"arn": KEY_ARN})


def test_a_log_group_without_the_stacks_key_is_reported(check: Check) -> None:
    assert of(check(key(), log_group(retentionInDays=14)), "log-group-kms")
    other = log_group(retentionInDays=14, kmsKeyId=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/9999")
    assert of(check(key(), other), "log-group-kms")
    assert not of(check(key(), log_group(retentionInDays=14, kmsKeyId=KEY_ARN)), "log-group-kms")
    assert not of(check(log_group(retentionInDays=14)), "log-group-kms"), (
        "no stack key: not applicable"
    )


def test_a_key_on_every_log_group_is_config(check: Check) -> None:
    config = {"log-group-kms": {"requireKmsKey": True}}
    assert of(check(log_group(retentionInDays=14), policy_config=config), "log-group-kms")


BUCKET = "shop-test-artifacts-1"


def bucket() -> object:
    return resource(
        "aws:s3/bucket:Bucket",
        "bucket",
        {"bucketPrefix": "shop-test-artifacts-"},
        {"bucket": BUCKET, "id": BUCKET},
    )


def block(**flags: bool) -> object:
    settings = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    return resource(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "block",
        {"bucket": BUCKET, **settings, **flags},
    )


def tls_policy(**change: object) -> object:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        **change,
    }
    return resource(
        "aws:s3/bucketPolicy:BucketPolicy", "tls", {"bucket": BUCKET, "policy": document(statement)}
    )


def test_a_bucket_without_a_full_public_access_block_is_reported(check: Check) -> None:
    assert of(check(bucket()), "s3-public-access-blocked")
    found = of(check(bucket(), block(restrictPublicBuckets=False)), "s3-public-access-blocked")
    assert found
    assert "restrictPublicBuckets" in found[0].message
    assert not of(check(bucket(), block()), "s3-public-access-blocked")


def test_a_bucket_without_a_tls_only_policy_is_reported(check: Check) -> None:
    assert of(check(bucket()), "s3-tls-only")
    assert of(check(bucket(), tls_policy(Effect="Allow")), "s3-tls-only")
    assert of(check(bucket(), tls_policy(Resource=f"arn:aws:s3:::{BUCKET}")), "s3-tls-only")
    assert of(
        check(bucket(), tls_policy(Condition={"Bool": {"aws:SecureTransport": "true"}})),
        "s3-tls-only",
    )
    assert not of(check(bucket(), tls_policy()), "s3-tls-only")


def function_url(auth: str) -> object:
    return resource(
        "aws:lambda/functionUrl:FunctionUrl",
        "url",
        {"functionName": "shop-test-api", "qualifier": "live", "authorizationType": auth},
    )


def test_a_public_function_url_is_advisory_unless_allowed(check: Check) -> None:
    found = of(check(function_url("NONE")), "function-url-auth")
    assert [v.enforcement for v in found] == ["advisory"]
    assert not of(check(function_url("AWS_IAM")), "function-url-auth")
    assert not of(
        check(function_url("NONE"), policy_config={"function-url-auth": {"allowPublic": True}}),
        "function-url-auth",
    )


def table(**inputs: object) -> object:
    return resource(
        "aws:dynamodb/table:Table",
        "locks",
        {"name": "shop-test-release-locks", "hashKey": "lockKey", **inputs},
    )


def test_a_table_without_kms_encryption_is_reported(check: Check) -> None:
    for unencrypted in (table(), table(serverSideEncryption={"enabled": False})):
        found = of(check(unencrypted), "dynamodb-kms-encryption")
        assert len(found) == 1
        assert "AWS owned key" in found[0].message
    aws_managed = table(serverSideEncryption={"enabled": True})
    customer = table(serverSideEncryption={"enabled": True, "kmsKeyArn": KEY_ARN})
    assert not of(check(aws_managed, customer), "dynamodb-kms-encryption")
