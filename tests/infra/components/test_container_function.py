"""The function publishes versions behind a ``live`` alias that Pulumi creates, then leaves
to CodeDeploy and the release tool."""

from __future__ import annotations

from typing import Any

from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import InvokeHandler, released

FUNCTIONS = ("container-delivery-dev-nightly-report", "container-delivery-dev-api")


def test_every_function_publishes_versions(first_deploy_plan: Plan) -> None:
    functions = first_deploy_plan.of_type("aws:lambda/function:Function")
    assert len(functions) == 2
    for function in functions:
        assert function.inputs["publish"] is True, function.urn


def test_each_function_has_a_live_alias_on_its_first_published_version(
    first_deploy_plan: Plan,
) -> None:
    aliases = {
        a.inputs["functionName"]: a for a in first_deploy_plan.of_type("aws:lambda/alias:Alias")
    }
    assert set(aliases) == set(FUNCTIONS)
    for physical, alias in aliases.items():
        function = next(
            f
            for f in first_deploy_plan.of_type("aws:lambda/function:Function")
            if f.inputs["name"] == physical
        )
        assert alias.inputs["name"] == "live", alias.urn
        # Created on the version published with the function (the placeholder's on a
        # first deploy), never on $LATEST.
        assert alias.inputs["functionVersion"] == function.outputs["version"] == "1"
        assert alias.inputs["functionVersion"] != "$LATEST"
        assert function.urn in alias.dependencies


def test_pulumi_leaves_the_alias_version_and_weights_to_codedeploy(first_deploy_plan: Plan) -> None:
    for alias in first_deploy_plan.of_type("aws:lambda/alias:Alias"):
        assert set(alias.ignore_changes) == {"functionVersion", "routingConfig"}, alias.urn
        assert "routingConfig" not in alias.inputs, alias.urn


#: The alias inputs that may exist at all. `functionVersion` is set once (at creation) and
#: ignored afterwards; every other input must be the same in every deploy, because any
#: diff makes the provider send UpdateAlias, which resends version and weights.
ALIAS_INPUTS = {"name", "functionName", "functionVersion", "description"}

#: Moments in a stack's life with different images, tags, function versions and sizes.
DEPLOYS: list[tuple[str, dict[str, Any], dict[str, InvokeHandler]]] = [
    ("dev", {}, {}),
    ("dev", {}, released("abc1234")),
    ("dev", {}, released("def5678")),
    (
        "dev",
        {
            "lambdaFunctions": [
                {"name": "nightly-report", "command": ["jobs.other"], "memoryMb": 2048},
                {"name": "api", "command": ["api.handler"], "timeoutSeconds": 20},
            ]
        },
        released("abc1234"),
    ),
    ("prod", {}, released("abc1234")),
]


def alias_inputs(plan: Plan) -> dict[str, dict[str, Any]]:
    """Each alias's inputs that Pulumi would diff (everything but the ignored ones)."""
    return {
        alias.name: {k: v for k, v in alias.inputs.items() if k not in alias.ignore_changes}
        for alias in plan.of_type("aws:lambda/alias:Alias")
    }


def unstable_aliases(plans: list[Plan]) -> list[str]:
    """Problems: an alias input outside ALIAS_INPUTS, or one that differs between plans."""
    problems: list[str] = []
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for plan in plans:
        for alias in plan.of_type("aws:lambda/alias:Alias"):
            if extra := set(alias.inputs) - ALIAS_INPUTS:
                problems.append(f"{alias.urn} has inputs {sorted(extra)}")
        for name, inputs in alias_inputs(plan).items():
            before = first.setdefault((plan.stack, name), inputs)
            if inputs != before:
                problems.append(f"{plan.stack} alias {name}: {before} then {inputs}")
    return problems


def test_the_alias_has_no_input_that_can_change_between_deploys() -> None:
    plans = [evaluate(stack, config=config, invokes=inv) for stack, config, inv in DEPLOYS]
    assert {plan.stack for plan in plans} == {"dev", "prod"}
    assert unstable_aliases(plans) == []


def test_the_alias_check_sees_an_input_that_changes() -> None:
    """An alias whose description named the tag would change between deploys."""
    plans = [evaluate("dev", invokes=invokes) for _stack, _config, invokes in DEPLOYS[1:3]]
    for plan in plans:
        for alias in plan.of_type("aws:lambda/alias:Alias"):
            alias.inputs["description"] = f"serving {plan.resolved_tags['lambda']['tag']}"
    assert len(unstable_aliases(plans)) == 2
    plans[0].of_type("aws:lambda/alias:Alias")[0].inputs["routingConfig"] = {}
    assert any("routingConfig" in p for p in unstable_aliases(plans))
