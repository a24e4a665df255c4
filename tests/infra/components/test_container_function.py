"""The function publishes versions behind a ``live`` alias that Pulumi creates, then leaves
to CodeDeploy and the release tool."""

from __future__ import annotations

from infra_pulumi.plan import Plan

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
