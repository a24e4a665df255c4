"""Render a ``Plan`` as readable tables for a terminal."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from infra_pulumi.plan.runner import Plan

#: Inputs worth a glance, per resource type; other types show their ``name``.
KEY_INPUTS: Mapping[str, tuple[str, ...]] = {
    "aws:ecr/repository:Repository": (
        "name",
        "imageTagMutability",
        "imageTagMutabilityExclusionFilters",
        "imageScanningConfiguration",
        "encryptionConfigurations",
    ),
    "aws:lambda/function:Function": ("name", "packageType", "imageUri", "imageConfig"),
    "aws:ssm/parameter:Parameter": ("name", "type", "insecureValue", "allowedPattern"),
    "aws:iam/role:Role": ("name",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays"),
    "docker:index/image:Image": ("imageName", "build", "buildOnPreview"),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("repository",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("repository", "policy"),
    "aws:dynamodb/table:Table": (
        "name",
        "hashKey",
        "billingMode",
        "serverSideEncryption",
        "deletionProtectionEnabled",
    ),
}
#: Inputs holding a policy document, shown one statement per line.
POLICY_INPUTS = frozenset({"policy", "assumeRolePolicy"})

_MAX_CELL = 160


def key_inputs(typ: str, inputs: Mapping[str, Any]) -> str:
    """The inputs worth showing for a resource, one ``key=value`` per line."""
    keys = KEY_INPUTS.get(typ, ("name",))
    lines = []
    for key in keys:
        if key not in inputs:
            continue
        value = inputs[key]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        if key in POLICY_INPUTS and (statements := policy_lines(text)):
            lines += [f"{key}:", *statements]
            continue
        if len(text) > _MAX_CELL:
            text = text[: _MAX_CELL - 1] + "…"
        lines.append(f"{key}={text}")
    return "\n".join(lines)


def policy_lines(text: str) -> list[str]:
    """A policy document as one line per statement: who may do what, on which condition."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return []
    if not isinstance(document, dict):
        return []
    lines = []
    for statement in document.get("Statement", []):
        principal = statement.get("Principal")
        who = (
            ", ".join(f"{kind} {value}" for kind, value in principal.items())
            if isinstance(principal, dict)
            else str(principal or "")
        )
        actions = statement.get("Action", statement.get("NotAction", ""))
        conditions = [
            f"{key} {values}"
            for operator in (statement.get("Condition") or {}).values()
            for key, values in operator.items()
        ]
        line = f"  {statement.get('Sid', '')}: {statement.get('Effect')} {actions}"
        line += f" to {who}" if who else ""
        line += f" if {'; '.join(conditions)}" if conditions else ""
        lines.append(line)
    return lines


def render(plan: Plan, console: Console, origins: Mapping[str, str] | None = None) -> None:
    """Print the resource table, the resolved tags (and where each came from) and warnings."""
    custom = [r for r in plan.resources if r.custom]
    components = len(plan.resources) - len(custom)
    resources = Table(
        title=(
            f"Offline plan: {plan.project} / {plan.stack}: "
            f"{len(custom)} resources in {components} components"
        ),
        show_lines=True,
    )
    resources.add_column("type", style="cyan", no_wrap=True)
    resources.add_column("name", style="bold")
    resources.add_column("key inputs", overflow="fold")
    for resource in sorted(custom, key=lambda r: (r.type, r.name)):
        resources.add_row(resource.type, resource.name, key_inputs(resource.type, resource.inputs))
    console.print(resources)

    tags = Table(title="Resolved image tags")
    tags.add_column("image", style="bold")
    tags.add_column("tag")
    tags.add_column("source")
    parameters: Mapping[str, str] = plan.outputs.get("imageTagParameters", {})
    tags.add_column("parameter")
    tags.add_column("parameter value from")
    tags.add_column("targets run", overflow="fold")
    for image, resolved in sorted(plan.resolved_tags.items()):
        origin = (origins or {}).get(image, "")
        runs = str(plan.outputs.get(f"{image}ImageUri", ""))
        tags.add_row(
            image, resolved["tag"], resolved["source"], parameters.get(image, ""), origin, runs
        )
    console.print(tags)
    console.print(stage_line(plan.outputs.get("stage")), highlight=False)

    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


def stage_line(stage: Any) -> str:
    """A build stage builds its images; a promoted stage builds none (README, "Build once,
    promote")."""
    if not isinstance(stage, dict):
        return ""
    if stage.get("kind") == "promoted":
        source = stage.get("from", {})
        return (
            f"Promoted stage: builds nothing; its targets run digests promoted from stack "
            f"{source.get('stack')} (account {source.get('account')}, "
            f"{source.get('region')}), read through {source.get('readerRoleArn')}"
        )
    targets = ", ".join(f"{t['stack']} ({t['account']})" for t in stage.get("promotesTo", []))
    return "Build stage: builds and pushes its images" + (
        f"; promoted to {targets}, which pull its digests" if targets else ""
    )
