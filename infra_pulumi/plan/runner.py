"""Evaluate the Pulumi program offline, exactly as Pulumi's Python host runs it.

The program runs with ``runpy.run_path(<program dir>, run_name="__main__")``, as the
host does: the working directory is the ``main`` folder of ``Pulumi.yaml`` (here
``infra_pulumi/``), and ``pulumi.get_root_directory()`` is the folder of ``Pulumi.yaml``.
Pulumi's conformance test ``l1-builtin-project-root-main`` asserts both. Anything that
resolves a relative path from the working directory (a Docker build context, say) sees
exactly what it would see under ``pulumi up``. A recording monitor keeps each resource's
inputs, dependencies and options, which is what the plan table, the tests and the CDK
comparison read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import runpy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.settings
from pulumi.runtime.mocks import MockMonitor

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan.mocks import (
    DEFAULT_REGION,
    EXAMPLE_ACCOUNT,
    InvokeAnswer,
    InvokeHandler,
    OfflineMocks,
)
from infra_pulumi.yaml_files import read_yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PlannedResource:
    """One resource the program registered."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    protect: bool = False
    retain_on_delete: bool = False


@dataclass
class Plan:
    """What the program would create for one stack, and how it resolved image tags."""

    project: str
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[InvokeAnswer] = field(default_factory=list)
    """Each invoke with how it was answered (found, not found, another error)."""

    def of_type(self, typ: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == typ]

    def named(self, name: str) -> PlannedResource:
        """The resource with this logical name; KeyError names the ones that exist."""
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(f"no resource named {name!r}; have {[r.name for r in self.resources]}")

    def by_urn(self, urn: str) -> PlannedResource:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise KeyError(urn)

    @property
    def resolved_tags(self) -> dict[str, dict[str, str]]:
        tags: dict[str, dict[str, str]] = self.outputs.get("resolvedImageTags", {})
        return tags

    def to_json(self) -> dict[str, Any]:
        """The plan as a document; the same program gives the same document.

        Resources register, and their dependencies resolve, in whatever order the SDK's
        outputs settle, which varies between runs; neither order means anything to the
        engine, so both are sorted (resources by URN) and two plans diff cleanly.
        """
        return {
            "project": self.project,
            "stack": self.stack,
            "resolvedImageTags": self.resolved_tags,
            "warnings": self.warnings,
            "outputs": self.outputs,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "custom": r.custom,
                    "parent": r.parent,
                    "inputs": r.inputs,
                    "dependencies": sorted(r.dependencies),
                    "ignoreChanges": list(r.ignore_changes),
                    "protect": r.protect,
                    "retainOnDelete": r.retain_on_delete,
                }
                for r in sorted(self.resources, key=lambda r: r.urn)
            ],
        }


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, also keeping what it otherwise drops: options and dependencies."""

    def __init__(self, mocks: OfflineMocks) -> None:
        super().__init__(mocks)
        self.planned: list[PlannedResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            registration = self.resources[response.urn]
            self.planned.append(
                PlannedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    inputs=_plain(pulumi.runtime.rpc.deserialize_properties(request.object)),
                    outputs=_plain(registration.state),
                    dependencies=tuple(request.dependencies),
                    ignore_changes=tuple(request.ignoreChanges),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                )
            )
        return response


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def program_directory(project_dir: Path = PROJECT_ROOT) -> Path:
    """The ``main`` folder of ``Pulumi.yaml``: the program, and the host's working directory."""
    main = read_yaml(project_dir / "Pulumi.yaml").get("main", ".")
    return (project_dir / str(main)).resolve()


def project_name(project_dir: Path = PROJECT_ROOT) -> str:
    return str(read_yaml(project_dir / "Pulumi.yaml")["name"])


#: Pulumi's stack names: letters, digits, '-', '_' and '.', nothing path-like.
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def stacks(project_dir: Path = PROJECT_ROOT) -> list[str]:
    """The stacks that have a ``Pulumi.<stack>.yaml`` in the project."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def stack_config(stack: str, project_dir: Path = PROJECT_ROOT) -> dict[str, str]:
    """A stack file's config as Pulumi hands it to a program: ``ns:key`` -> string.

    Structured values become JSON, as Pulumi passes them. Secure values cannot be
    decrypted offline, so they are left out (the program must not need them here).
    """
    if not _STACK_NAME.fullmatch(stack) or stack in {".", ".."}:
        raise ConfigError(
            f"{stack!r} is not a stack name: give the name only (e.g. dev), as in "
            "`pulumi stack select`, not a path or a file name"
        )
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        existing = ", ".join(stacks(project_dir)) or "none"
        raise ConfigError(
            f"no stack file {path.name} in {project_dir}; the stacks here are: {existing}"
        )
    raw = read_yaml(path).get("config") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name}: `config` must be a mapping of keys to values")
    config: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            continue
        config[key] = value if isinstance(value, str) else json.dumps(value)
    return config


def evaluate(
    stack: str = "dev",
    *,
    config: Mapping[str, Any] | None = None,
    invokes: Mapping[str, InvokeHandler] | None = None,
    preview: bool = True,
    project_dir: Path = PROJECT_ROOT,
    use_stack_file: bool = True,
    account: str = EXAMPLE_ACCOUNT,
    record: list[InvokeAnswer] | None = None,
) -> Plan:
    """Run the program under mocks and return what it registered.

    ``config`` overrides the stack file (keys without a namespace get the project's);
    ``invokes`` overrides the default answers, which treat every tag parameter and
    every function as not existing yet: the first-deploy story. ``account`` is the
    caller's account (``getCallerIdentity``). ``record`` receives each invoke and its
    answer as it happens, so a caller sees them even when the program stops.
    Errors the program raises (``InfraError`` and its kin) propagate unchanged.
    """
    project = project_name(project_dir)
    values = stack_config(stack, project_dir) if use_stack_file else {}
    for key, value in (config or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        values[full] = value if isinstance(value, str) else json.dumps(value)

    mocks = OfflineMocks(
        region=values.get("aws:region", DEFAULT_REGION),
        account=account,
        invokes=dict(invokes or {}),
        answers=record if record is not None else [],
    )
    monitor = RecordingMonitor(mocks)
    capture = _Capture()
    logger = logging.getLogger(f"infra_pulumi.plan.{stack}")
    logger.propagate = False
    logger.handlers = [capture]

    # A fresh root Stack resource per evaluation; set_mocks creates one when none is set.
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=preview, logger=logger, monitor=monitor
    )
    # set_mocks leaves the root directory at the SDK's placeholder; the host sets it to
    # the folder of Pulumi.yaml.
    pulumi.runtime.settings.SETTINGS.root_directory = str(project_dir)
    pulumi.runtime.set_all_config(values)
    program = program_directory(project_dir)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        runpy.run_path(str(program), run_name="__main__")
        root = pulumi.runtime.settings.get_root_resource()
        outputs = dict(getattr(root, "outputs", {}))
        return pulumi.Output.all(**outputs).apply(exported.update)

    with contextlib.chdir(program):
        run()

    return Plan(
        project=project,
        stack=stack,
        resources=list(monitor.planned),
        outputs=_plain(exported),
        warnings=list(capture.messages),
        invokes=list(mocks.calls),
        answers=list(mocks.answers),
    )


def _plain(value: Any) -> Any:
    """Strip SDK wrappers (secrets, unknowns) so the plan is plain JSON data."""
    if isinstance(value, dict):
        if value.get("4dabf18193072939515e22adb298388d") == "1b47061264138c4ac30d75fd1eb44270":
            return "[secret]"
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf carries every number as a double
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
