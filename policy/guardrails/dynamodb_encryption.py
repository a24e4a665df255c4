"""Every DynamoDB table is encrypted with a KMS key, never only with DynamoDB's own key."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy

from guardrails._common import Report

TABLE = "aws:dynamodb/table:Table"


def validate(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != TABLE:
        return
    # The provider's serverSideEncryption block: enabled true is SSE type KMS, with the AWS
    # managed key aws/dynamodb unless kmsKeyArn names a customer key; absent or false is
    # DynamoDB's AWS owned key, which no key policy or CloudTrail entry of the account sees.
    encryption = args.props.get("serverSideEncryption") or {}
    if encryption.get("enabled") is not True:
        report(
            "serverSideEncryption is not enabled: the table is encrypted only with "
            "DynamoDB's AWS owned key. Set serverSideEncryption.enabled (the AWS managed "
            "key aws/dynamodb, or a customer key in kmsKeyArn)."
        )


POLICY = ResourceValidationPolicy(
    name="dynamodb-kms-encryption",
    description=(
        "DynamoDB tables must enable server-side encryption with a KMS key (the AWS managed "
        "key aws/dynamodb or a customer key), not only DynamoDB's AWS owned key."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
)
