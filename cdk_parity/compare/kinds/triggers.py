"""What invokes a function's live alias: schedules, Function URLs, resource permissions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import function_and_qualifier
from cdk_parity.compare.model import Resource


def _target(reference: Any, qualifier: Any = None) -> str:
    """A Lambda function or alias as ``<function>[:<qualifier>]``; other text as it is."""
    name, parsed = function_and_qualifier(str(reference))
    qualifier = qualifier or parsed
    return f"{name}:{qualifier}" if qualifier else name


def _schedule_props(
    *,
    group: Any,
    expression: Any,
    timezone: Any,
    state: Any,
    window: Any,
    target: Any,
    role_set: bool,
    payload: Any,
    max_age: Any,
    retries: Any,
) -> dict[str, Any]:
    return {
        "group": group or "default",
        "expression": expression,
        "timezone": timezone or "UTC",
        "state": state or "ENABLED",
        "flexibleTimeWindow": window,
        "target": _target(target),
        "targetRole": role_set,
        "input": payload,
        # EventBridge Scheduler's defaults (Scheduler API, RetryPolicy).
        "retry": f"{86400 if max_age is None else max_age}s, "
        f"{185 if retries is None else retries} attempts",
    }


class Schedule(Kind):
    """Expression and time zone, state, window, target (the alias), input, retries.

    Its role is an ``iam-role`` entry of its own, keyed ``scheduler-schedule:<name>``.
    """

    name = "scheduler-schedule"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for schedule in plan.of("aws:scheduler/schedule:Schedule"):
            inputs = schedule.inputs
            target = inputs.get("target", {})
            retry = target.get("retryPolicy", {})
            props = _schedule_props(
                group=inputs.get("groupName"),
                expression=inputs.get("scheduleExpression"),
                timezone=inputs.get("scheduleExpressionTimezone"),
                state=inputs.get("state"),
                window=inputs.get("flexibleTimeWindow", {}).get("mode"),
                target=target.get("arn"),
                role_set=bool(target.get("roleArn")),
                payload=target.get("input"),
                max_age=retry.get("maximumEventAgeInSeconds"),
                retries=retry.get("maximumRetryAttempts"),
            )
            key = inputs.get("name", f"logical:{schedule.name}")
            yield plan.resource(self.name, key, props, schedule)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::Scheduler::Schedule"):
            target = props.get("Target", {})
            retry = target.get("RetryPolicy", {})
            normalised = _schedule_props(
                group=props.get("GroupName"),
                expression=props.get("ScheduleExpression"),
                timezone=props.get("ScheduleExpressionTimezone"),
                state=props.get("State"),
                window=props.get("FlexibleTimeWindow", {}).get("Mode"),
                target=target.get("Arn"),
                role_set=bool(target.get("RoleArn")),
                payload=target.get("Input"),
                max_age=retry.get("MaximumEventAgeInSeconds"),
                retries=retry.get("MaximumRetryAttempts"),
            )
            key = props.get("Name", f"logical:{logical}")
            yield template.resource(self.name, key, normalised, logical)


def _cors(cors: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """CORS settings with both sides' key spellings folded to one (``allowOrigins``)."""
    if not cors:
        return None
    return {k[0].lower() + k[1:]: sorted(v) if isinstance(v, list) else v for k, v in cors.items()}


class FunctionUrl(Kind):
    """Its target (``<function>:<alias>``), auth type, invoke mode and CORS."""

    name = "function-url"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for url in plan.of("aws:lambda/functionUrl:FunctionUrl"):
            inputs = url.inputs
            props = {
                "authType": inputs.get("authorizationType"),
                # Lambda's default (CreateFunctionUrlConfig, InvokeMode).
                "invokeMode": inputs.get("invokeMode") or "BUFFERED",
                "cors": _cors(inputs.get("cors")),
            }
            key = _target(inputs.get("functionName"), inputs.get("qualifier"))
            yield plan.resource(self.name, key, props, url)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::Lambda::Url"):
            normalised = {
                "authType": props.get("AuthType"),
                "invokeMode": props.get("InvokeMode") or "BUFFERED",
                "cors": _cors(props.get("Cors")),
            }
            key = _target(props.get("TargetFunctionArn"), props.get("Qualifier"))
            yield template.resource(self.name, key, normalised, logical)


class LambdaPermission(Kind):
    """A function's resource policy statement: who may call it, from where, how.

    Keyed ``<function>[:<qualifier>] <action> <principal>``; a source ARN is named as the
    entry it belongs to, so the kind runs after the others.
    """

    name = "lambda-permission"
    reads_others = True

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for permission in plan.of("aws:lambda/permission:Permission"):
            inputs = permission.inputs
            source = inputs.get("sourceArn")
            props = {
                "sourceArn": plan.symbols.name(str(source)) if source else None,
                "sourceAccount": inputs.get("sourceAccount"),
                "functionUrlAuthType": inputs.get("functionUrlAuthType"),
            }
            target = _target(inputs.get("function"), inputs.get("qualifier"))
            key = f"{target} {inputs.get('action')} {inputs.get('principal')}"
            yield plan.resource(self.name, key, props, permission)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::Lambda::Permission"):
            source = props.get("SourceArn")
            normalised = {
                "sourceArn": template.symbols.name(str(source)) if source else None,
                "sourceAccount": props.get("SourceAccount"),
                "functionUrlAuthType": props.get("FunctionUrlAuthType"),
            }
            target = _target(props.get("FunctionName"))
            key = f"{target} {props.get('Action')} {props.get('Principal')}"
            yield template.resource(self.name, key, normalised, logical)
