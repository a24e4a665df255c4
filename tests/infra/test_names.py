"""Every physical name the program hands AWS is one the config check has validated."""

from __future__ import annotations

import pytest

from infra_pulumi.name_rules import RULES
from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import released
from infra_pulumi.plan.runner import PROJECT_ROOT, stack_config
from infra_pulumi.stack_config import StackConfig, parse_config


def _config(stack: str) -> StackConfig:
    raw = stack_config(stack, PROJECT_ROOT)
    values = {
        key.split(":", 1)[1]: value
        for key, value in raw.items()
        if key.startswith("container-delivery:")
    }
    return parse_config(values, "container-delivery", stack)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_name_in_the_plan_was_validated(stack: str) -> None:
    config = _config(stack)
    validated = {
        item.name: item
        for item in config.naming.physical_names(
            [f.name for f in config.lambda_functions],
            config.web.container_port,
            scheduled=[f.name for f in config.lambda_functions if f.schedule is not None],
            pipelines=config.pipelines is not None,
            promoted=config.promote_from is not None,
            promotes=bool(config.promotes_to),
            github_preview=config.github_preview is not None,
            kms_key=config.create_kms_key,
            flow_logs=config.vpc_flow_logs,
        )
    }
    plan: Plan = evaluate(stack, invokes=released("abc1234"))
    used = 0
    for resource in plan.resources:
        if not resource.custom:
            continue
        name = resource.inputs.get("name")
        if isinstance(name, str):
            assert name in validated, f"{resource.urn}: {name!r} is not checked at config load"
            assert not RULES[validated[name].kind].problems(name), resource.urn
            used += 1
        prefix = resource.inputs.get("bucketPrefix")
        if prefix is not None:
            assert prefix in {
                config.naming.artifact_bucket_prefix,
                config.naming.access_log_bucket_prefix,
            }, resource.urn
    # The manifest, tag and lock parameters' names are validated too; the lock parameter
    # is created by the release tool, so not every validated name is in the plan.
    assert used >= 20
