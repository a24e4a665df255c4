"""In a stack that requires a release, load balancer listeners serve HTTPS or redirect to it."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from guardrails._common import RELEASE_SCHEMA, Report, as_list, requires_release

LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
SECURE = ("HTTPS", "TLS")


def validate(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type not in LISTENER_TYPES:
        return
    if not requires_release(args.get_config()):
        args.not_applicable("this stack does not require a release")
    if args.props.get("protocol") in SECURE:
        return
    for action in as_list(args.props.get("defaultActions")):
        redirect = action.get("redirect") or {}
        if action.get("type") != "redirect" or redirect.get("protocol") != "HTTPS":
            report(
                f"listener on port {args.props.get('port')} uses {args.props.get('protocol')} "
                f"and its {action.get('type')} action does not redirect to HTTPS."
            )


POLICY = ResourceValidationPolicy(
    name="https-listeners",
    description=(
        "In a stack that requires a release, every load balancer listener must use HTTPS "
        "(or TLS), or only redirect to HTTPS."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate,
    config_schema=PolicyConfigSchema(properties=dict(RELEASE_SCHEMA)),
)
