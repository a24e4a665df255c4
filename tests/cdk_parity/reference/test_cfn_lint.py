"""cfn-lint on every template the CDK reference synthesizes: each stack, each tag-lookup mode.

An error fails the test. So does a warning, unless it is silenced below with the reason
it does not apply to this reference:

- W3005 (a DependsOn already implied by a GetAtt): CDK itself adds the explicit
  ``DependsOn`` from a function or pipeline to its role's default policy, so the policy
  exists before the resource that needs it; the ``GetAtt`` only orders it after the
  role. The duplicate is CDK's own output and harmless.
- W3010 (hard-coded availability zones): the stack has an explicit account and region,
  so CDK takes the zone names from the availability-zones context lookup, as ``cdk
  synth`` does after caching them in ``cdk.context.json``; offline the same two zones
  the Pulumi plan's mocks answer are given as that context.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]  # no py.typed

from cdk_parity.compare.run import Run
from cdk_parity.compare.sides import release_for, synthesize_as
from cdk_parity.reference.tag_lookup import TagMode

SILENCED = ("W3005", "W3010")
STACKS = ("dev", "prod")


@pytest.fixture(scope="module")
def templates(parity_run: Run) -> dict[tuple[str, str], dict[str, Any]]:
    """Every (stack, mode) template; the comparison's own synth-time ones are reused."""
    found = {(r.stack, str(r.comparison.mode)): r.synthesis.template for r in parity_run.runs}
    for stack in STACKS:
        for mode in TagMode:
            if (stack, str(mode)) not in found:
                found[stack, str(mode)] = synthesize_as(stack, mode, release_for(stack)).template
    return found


def _problems(template: dict[str, Any], region: str, ignore: tuple[str, ...]) -> list[str]:
    matches = lint(
        json.dumps(template),
        config=ManualArgs(regions=[region], ignore_checks=list(ignore)),
    )
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("mode", [str(m) for m in TagMode])
def test_template_has_no_error_and_no_unexplained_warning(
    templates: dict[tuple[str, str], dict[str, Any]], stack: str, mode: str
) -> None:
    problems = _problems(templates[stack, mode], "ap-northeast-1", SILENCED)
    assert problems == [], f"{stack}/{mode}: {problems}"


def test_the_linter_reports_an_error_it_is_shown() -> None:
    """The check can fail: a function with an invalid memory size is an error (E3034)."""
    broken = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "PackageType": "Image",
                    "Code": {"ImageUri": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/r:t"},
                    "Role": "arn:aws:iam::123456789012:role/r",
                    "MemorySize": 64,
                },
            }
        }
    }
    problems = _problems(broken, "ap-northeast-1", SILENCED)
    assert any(p.startswith("E") and "MemorySize" in p for p in problems), problems
