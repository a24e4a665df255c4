"""CloudWatch metric alarms: errors and throttles of each live alias stop a deployment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.model import Resource


def _alarm_props(
    *,
    namespace: Any,
    metric: Any,
    statistic: Any,
    dimensions: Mapping[str, Any],
    period: Any,
    evaluation_periods: Any,
    datapoints: Any,
    threshold: Any,
    comparison: Any,
    missing: Any,
) -> dict[str, Any]:
    return {
        "metric": f"{namespace}/{metric} {statistic}",
        "dimensions": sorted(f"{k}={v}" for k, v in dimensions.items()),
        "periodSeconds": period,
        "evaluationPeriods": evaluation_periods,
        # Unset, CloudWatch alarms on every evaluated period (PutMetricAlarm).
        "datapointsToAlarm": datapoints if datapoints is not None else evaluation_periods,
        "threshold": float(threshold) if threshold is not None else None,
        "comparison": comparison,
        # CloudWatch's default (PutMetricAlarm, TreatMissingData).
        "treatMissingData": missing or "missing",
    }


class MetricAlarm(Kind):
    """Metric and statistic, dimensions, period, threshold, comparison, missing data."""

    name = "metric-alarm"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for alarm in plan.of("aws:cloudwatch/metricAlarm:MetricAlarm"):
            inputs = alarm.inputs
            props = _alarm_props(
                namespace=inputs.get("namespace"),
                metric=inputs.get("metricName"),
                statistic=inputs.get("statistic"),
                dimensions=inputs.get("dimensions", {}),
                period=inputs.get("period"),
                evaluation_periods=inputs.get("evaluationPeriods"),
                datapoints=inputs.get("datapointsToAlarm"),
                threshold=inputs.get("threshold"),
                comparison=inputs.get("comparisonOperator"),
                missing=inputs.get("treatMissingData"),
            )
            yield plan.resource(self.name, inputs["name"], props, alarm)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::CloudWatch::Alarm"):
            normalised = _alarm_props(
                namespace=props.get("Namespace"),
                metric=props.get("MetricName"),
                statistic=props.get("Statistic"),
                dimensions={d["Name"]: d["Value"] for d in props.get("Dimensions", [])},
                period=props.get("Period"),
                evaluation_periods=props.get("EvaluationPeriods"),
                datapoints=props.get("DatapointsToAlarm"),
                threshold=props.get("Threshold"),
                comparison=props.get("ComparisonOperator"),
                missing=props.get("TreatMissingData"),
            )
            key = props.get("AlarmName", f"logical:{logical}")
            yield template.resource(self.name, key, normalised, logical)
