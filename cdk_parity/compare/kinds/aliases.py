"""Lambda aliases: the ``live`` alias every invoker calls, and who moves it (issue 14)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import function_and_qualifier
from cdk_parity.compare.model import Resource

#: Both sides' word for an alias created on a version the function published.
PUBLISHED = "a published version"


def _ignored(ignore_changes: Iterable[str]) -> set[str]:
    """Property names as Pulumi may spell them (``function_version``, ``functionVersion``)."""
    return {name.replace("_", "").lower() for name in ignore_changes}


def _pulumi_version(version: Any) -> Any:
    """A number is a version the function published (``publish=True``); keep the rest."""
    return PUBLISHED if isinstance(version, str | int) and str(version).isdigit() else version


def _weights(weights: Mapping[str, Any] | None) -> dict[str, float] | None:
    return {str(v): float(w) for v, w in weights.items()} if weights else None


class LambdaAlias(Kind):
    """Its function, the version it starts on, its routing, and what shifts it later.

    ``trafficShiftedBy`` reads the mechanism: CloudFormation's ``CodeDeployLambdaAliasUpdate``
    update policy (CDK's ``LambdaDeploymentGroup``: CodeDeploy shifts during the stack
    deploy), or a Pulumi alias whose version and routing Pulumi ignores (the release tool
    shifts them through CodeDeploy). It is a one-item list so a reviewed difference can
    bound each side's value: an alias ``pulumi up`` would move back is still unexpected.
    """

    name = "lambda-alias"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for alias in plan.of("aws:lambda/alias:Alias"):
            inputs = alias.inputs
            function, _ = function_and_qualifier(str(inputs.get("functionName", "")))
            ignored = _ignored(alias.ignore_changes)
            external = {"functionversion", "routingconfig"} <= ignored
            props = {
                "function": function,
                "version": _pulumi_version(inputs.get("functionVersion")),
                "routing": _weights(
                    inputs.get("routingConfig", {}).get("additionalVersionWeights")
                ),
                "trafficShiftedBy": ["the release tool" if external else "pulumi up"],
            }
            yield plan.resource(self.name, f"{function}:{inputs['name']}", props, alias)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::Lambda::Alias"):
            raw = template.resources[logical]
            version = raw["Properties"].get("FunctionVersion")
            published = (
                isinstance(version, Mapping)
                and "Fn::GetAtt" in version
                and template.type_of(version["Fn::GetAtt"][0]) == "AWS::Lambda::Version"
            )
            routing = props.get("RoutingConfig", {}).get("AdditionalRoutingConfiguration")
            update = raw.get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate")
            shifted = "cloudformation"
            if update is not None:
                group = template.render.render(update.get("DeploymentGroupName"))
                shifted = f"CodeDeploy during the stack deploy ({group})"
            function, _ = function_and_qualifier(str(props.get("FunctionName", "")))
            normalised = {
                "function": function,
                "version": PUBLISHED if published else props.get("FunctionVersion"),
                "routing": _weights(
                    {r["FunctionVersion"]: r["FunctionWeight"] for r in routing or []}
                ),
                "trafficShiftedBy": [shifted],
            }
            key = f"{function}:{props.get('Name')}"
            yield template.resource(self.name, key, normalised, logical)
