"""Run a Python policy pack over an offline plan, the way ``pulumi preview --policy-pack`` does.

The pack runs as Pulumi's policy host starts it (``pulumi-analyzer-policy-python``):
``python -u -m pulumi.policy <engine> .`` in the pack's folder, with the stack in
``PULUMI_PROJECT``/``PULUMI_STACK``/``PULUMI_CONFIG``; it prints its gRPC port and serves
the Analyzer service. This module is the engine's side of that conversation
(``analyzer_plugin.go``): GetAnalyzerInfo, Configure with the reconciled config (schema
defaults, then the pack's initial config, then the ``--policy-pack-config`` file, as
``ReconcilePolicyPackConfig`` does), ConfigureStack, one Analyze per resource and one
AnalyzeStack. The pack's own SDK builds ``ResourceValidationArgs``/``StackValidationArgs``.
The interpreter is this one, which has the pack's requirements (requirements-dev.txt
installs policy/requirements.txt), instead of the pack's ``venv``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from rich.console import Console
from rich.table import Table

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan.policy_requests import (
    analyze_requests,
    analyze_stack_request,
    default_providers,
)
from infra_pulumi.plan.runner import Plan

LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
LEVEL_VALUES = {name: value for value, name in LEVELS.items()}
START_TIMEOUT_SECONDS = 60


class PolicyPackError(ConfigError):
    """The policy pack or its config is unusable: missing, wrong runtime, or failing to start."""


@dataclass(frozen=True)
class Violation:
    """One diagnostic of the pack: which rule, how enforced, which resource, what is wrong."""

    policy: str
    enforcement: str
    urn: str
    message: str

    @property
    def resource(self) -> str:
        """The resource's name from its URN, or ``(stack)`` for a stack policy's finding."""
        return self.urn.rsplit("::", 1)[-1] if self.urn else "(stack)"

    @property
    def finding(self) -> str:
        """What is wrong: the SDK's message is the rule's description, a newline, then this."""
        return self.message.split("\n", 1)[-1]


@dataclass
class PolicyReport:
    """What one pack said about one plan."""

    pack: str
    version: str
    policies: dict[str, str] = field(default_factory=dict)
    """Each policy's enforcement level after config."""
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "mandatory"]

    def counts(self) -> str:
        """``policy pack <name> <version>: <n> rules, <m> mandatory and <a> advisory
        violations``: the verdict line without its PASS or FAIL."""
        mandatory = len(self.mandatory)
        return (
            f"policy pack {self.pack} {self.version}: {len(self.policies)} rules, "
            f"{mandatory} mandatory and {len(self.violations) - mandatory} advisory violations"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "version": self.version,
            "policies": self.policies,
            "violations": [v.__dict__ for v in self.violations],
        }


def read_pack(pack_dir: Path) -> dict[str, Any]:
    """``PulumiPolicy.yaml``, checked for the Python runtime this runner speaks."""
    path = pack_dir / "PulumiPolicy.yaml"
    if not path.is_file():
        raise PolicyPackError(f"--policy-pack {pack_dir}: no PulumiPolicy.yaml in that folder")
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PolicyPackError(f"{path}: not valid YAML: {exc}") from exc
    runtime = project.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise PolicyPackError(f"{path}: runtime is {name!r}; this runner runs Python packs only")
    return dict(project)


def read_policy_config(path: Path | None) -> dict[str, Any]:
    """A ``--policy-pack-config`` file: policy name -> level, or {enforcementLevel, ...}."""
    if path is None:
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyPackError(f"--policy-pack-config {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise PolicyPackError(
            f"--policy-pack-config {path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    if not isinstance(document, dict):
        raise PolicyPackError(f"--policy-pack-config {path}: expected an object of policy names")
    return document


def reconcile(info: analyzer_pb2.AnalyzerInfo, given: Mapping[str, Any]) -> dict[str, Any]:
    """Each policy's level and properties: schema defaults < initial config < ``given``,
    then validated against the policy's schema (the engine rejects an invalid config)."""
    policies = {p.name: p for p in info.policies}
    unknown = sorted(set(given) - set(policies) - {"all"})
    if unknown:
        raise PolicyPackError(
            f"policy config names {', '.join(unknown)}, not in the pack; "
            f"its policies are: {', '.join(sorted(policies))}"
        )
    # As the engine converts it (GetAnalyzerInfo): each entry's level and properties.
    initial = {
        key: {
            "enforcementLevel": LEVELS[v.enforcementLevel],
            **json_format.MessageToDict(v.properties),
        }
        for key, v in info.initialConfig.items()
    }
    result: dict[str, Any] = {}
    for name, policy in policies.items():
        schema = json_format.MessageToDict(policy.configSchema.properties)
        properties = {k: v["default"] for k, v in schema.items() if "default" in v}
        level = LEVELS[policy.enforcementLevel]
        for layer in (initial, given):
            for entry in (layer.get("all"), layer.get(name)):
                if isinstance(entry, str):
                    level = entry
                elif isinstance(entry, dict):
                    level = entry.get("enforcementLevel", level)
                    properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        if level not in LEVEL_VALUES:
            raise PolicyPackError(
                f"policy {name}: enforcement level {level!r} is not one of "
                f"{', '.join(LEVEL_VALUES)}"
            )
        full = {
            "type": "object",
            "properties": schema,
            "additionalProperties": False,
            "required": list(policy.configSchema.required),
        }
        try:
            jsonschema.validate(properties, full)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(config)"
            raise PolicyPackError(f"policy {name}, {where}: {exc.message}") from exc
        result[name] = {"enforcementLevel": level, "properties": properties}
    return result


def _pack_environment(project: str, stack: str, config: Mapping[str, str]) -> dict[str, str]:
    """What the engine adds to the pack's environment (``constructEnv``)."""
    environment = dict(os.environ)
    environment.update(
        PULUMI_CONFIG=json.dumps(dict(config)),
        PULUMI_PROJECT=project,
        PULUMI_STACK=stack,
        PULUMI_DRY_RUN="true",
        PULUMI_ORGANIZATION="organization",
    )
    return environment


class PackSession:
    """A running pack, spoken to as the engine does: configure it, then analyze plans."""

    def __init__(self, stub: Any, pack_dir: Path, project: str, stack: str) -> None:
        self._stub = stub
        # The engine's order: ConfigureStack when it starts the pack, then GetAnalyzerInfo.
        stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack, project=project, organization="organization", dry_run=True
            )
        )
        self.info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        self.version = str(read_pack(pack_dir).get("version") or self.info.version)
        self.settings: dict[str, Any] = {}

    def configure(self, policy_config: Mapping[str, Any]) -> None:
        """Reconcile ``policy_config`` with the pack's defaults and send it (Configure)."""
        self.settings = reconcile(self.info, policy_config)
        self._stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    name: analyzer_pb2.PolicyConfig(
                        enforcementLevel=LEVEL_VALUES[value["enforcementLevel"]],
                        properties=_struct(value["properties"]),
                    )
                    for name, value in self.settings.items()
                }
            )
        )

    def analyze(self, plan: Plan, config: Mapping[str, str]) -> PolicyReport:
        """Analyze every resource, then AnalyzeStack, and collect the diagnostics."""
        providers = default_providers(plan.project, plan.stack, config)
        report = PolicyReport(
            self.info.name,
            self.version,
            {name: value["enforcementLevel"] for name, value in sorted(self.settings.items())},
        )
        # The engine attributes an Analyze diagnostic to the resource analyzed.
        responses = [(r.urn, self._stub.Analyze(r)) for r in analyze_requests(plan, providers)]
        responses.append(("", self._stub.AnalyzeStack(analyze_stack_request(plan, providers))))
        for urn, response in responses:
            for diagnostic in response.diagnostics:
                report.violations.append(
                    Violation(
                        policy=diagnostic.policyName,
                        enforcement=LEVELS[diagnostic.enforcementLevel],
                        urn=diagnostic.urn or urn,
                        message=diagnostic.message,
                    )
                )
        return report


@contextmanager
def session(
    pack_dir: Path, project: str, stack: str, config: Mapping[str, str]
) -> Iterator[PackSession]:
    """The pack's Analyzer service, started as the policy host starts it, stopped after."""
    read_pack(pack_dir)
    process = subprocess.Popen(
        # The engine address is only used to log through the engine; none is needed here.
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=pack_dir,
        env=_pack_environment(project, stack, config),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _read_port(process)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=START_TIMEOUT_SECONDS)
            yield PackSession(analyzer_pb2_grpc.AnalyzerStub(channel), pack_dir, project, stack)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _read_port(process: subprocess.Popen[str]) -> int:
    """The first line the pack prints is its port; anything else means it failed to start."""
    lines: list[str] = []
    stdout = process.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT_SECONDS)
    text = lines[0].strip() if lines else ""
    if text.isdigit():
        return int(text)
    process.kill()
    _, stderr = process.communicate()
    tail = "\n".join(stderr.strip().splitlines()[-15:])
    raise PolicyPackError(f"the policy pack did not start (no port printed): {text}\n{tail}")


def run(
    pack_dir: Path, plan: Plan, config: Mapping[str, str], policy_config: Mapping[str, Any]
) -> PolicyReport:
    """Every rule of the pack over the plan: Analyze per resource, then AnalyzeStack."""
    with session(pack_dir, plan.project, plan.stack, config) as pack:
        pack.configure(policy_config)
        return pack.analyze(plan, config)


def render_report(report: PolicyReport, console: Console) -> None:
    """Violations by rule, resource and enforcement, then a one-line verdict."""
    if report.violations:
        table = Table(title=f"Policy violations: {report.pack} {report.version}")
        for column in ("rule", "enforcement", "resource", "violation"):
            table.add_column(column, overflow="fold")
        for v in sorted(report.violations, key=lambda v: (v.policy, v.urn)):
            table.add_row(v.policy, v.enforcement, v.resource, v.finding)
        console.print(table)
    verdict = "[red]FAIL[/red]" if report.mandatory else "[green]PASS[/green]"
    console.print(f"{verdict} {report.counts()}")


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct
