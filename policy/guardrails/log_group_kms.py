"""Where the stack has its own KMS key, every log group is encrypted with one of its keys."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails._common import Report, resource_label

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"


def validate(args: StackValidationArgs, report: Report) -> None:
    keys = [r for r in args.resources if r.resource_type == KEY]
    require = bool(args.get_config().get("requireKmsKey"))
    if not keys and not require:
        args.not_applicable("the stack has no KMS key and config requireKmsKey is false")
    # A log group's kmsKeyId is the key's ARN (CloudWatch Logs requires the ARN).
    stack_keys = {str(k.props["arn"]) for k in keys if "arn" in k.props}
    for group in args.resources:
        if group.resource_type != LOG_GROUP:
            continue
        key = group.props.get("kmsKeyId")
        if not key:
            report("kmsKeyId is not set: encrypt the log group with the stack's key.", group.urn)
        elif keys and str(key) not in stack_keys:
            names = ", ".join(resource_label(k.urn) for k in keys)
            report(f"kmsKeyId {key} is not one of this stack's keys ({names}).", group.urn)


POLICY = StackValidationPolicy(
    name="log-group-kms",
    description=(
        "Where the stack creates a KMS key, every CloudWatch log group must set kmsKeyId to "
        "one of the stack's keys (config requireKmsKey: a key on every log group anyway)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "requireKmsKey": {
                "type": "boolean",
                "default": False,
                "description": "Require kmsKeyId on every log group even without a stack key.",
            }
        }
    ),
)
