"""The engine's policy requests, built from an offline plan as ``pulumi preview`` builds them.

What the engine sends a policy pack (pulumi/pulumi ``pkg/resource/deploy/step_generator.go``
and ``sdk/go/common/resource/plugin/analyzer_plugin.go``):

- ``Analyze``, once per registered resource: its URN, type and name, its *checked inputs*
  (Pulumi schema names, camelCase), its options (parent, ignoreChanges, ...) and its
  provider (the default provider here, whose properties are the provider's stack config);
- ``AnalyzeStack``, once at the end: every resource, the root stack and the default
  providers included, with its *outputs*, parent, dependencies and property dependencies.

The provider's Check is the one step the mocks skip, so it is reproduced here where a
rule can see it: pulumi-aws's ``PreCheckCallback`` (``provider/tags.go``, ``applyTags``)
sets ``tagsAll`` to the provider's ``defaultTags.tags`` merged with the resource's
``tags``, on every resource type whose schema has ``tagsAll``. The same value is in the
outputs. Secret values are in the plan only as ``"[secret]"``; nothing is unknown under
the mocks, so no rule is skipped as "can't run during preview".
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi.runtime.rpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from infra_pulumi.plan.runner import Plan, PlannedResource

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
#: Python distributions of the providers the program uses, by package name.
PROVIDER_DISTRIBUTIONS = {"aws": "pulumi_aws", "docker": "pulumi_docker"}


@dataclass(frozen=True)
class Provider:
    """A default provider resource as the engine registers it."""

    urn: str
    type: str
    name: str
    properties: dict[str, Any]


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _config_value(text: str) -> Any:
    """Stack config as a provider receives it: structured values are JSON."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text


def default_providers(project: str, stack: str, config: Mapping[str, str]) -> dict[str, Provider]:
    """``default_<version>`` provider per package, its properties from ``<package>:*`` config."""
    providers = {}
    for package, distribution in PROVIDER_DISTRIBUTIONS.items():
        version = importlib.metadata.version(distribution)
        name = f"default_{version.replace('.', '_')}"
        properties = {
            key.split(":", 1)[1]: _config_value(value)
            for key, value in config.items()
            if key.startswith(f"{package}:")
        }
        properties["version"] = version
        providers[package] = Provider(
            urn=f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::{name}",
            type=f"pulumi:providers:{package}",
            name=name,
            properties=properties,
        )
    return providers


def supports_tags(resource_type: str) -> bool:
    """Whether the resource type's schema has ``tagsAll`` (pulumi-aws tags exactly those)."""
    package, _, rest = resource_type.partition(":")
    module_name = rest.rpartition(":")[0]
    module = pulumi.runtime.rpc.get_resource_module(package, module_name, "")
    info = getattr(module, "mod_info", None)
    if package != "aws" or not isinstance(info, dict):
        return False
    class_name = info["classes"].get(resource_type)
    cls = getattr(importlib.import_module(info["fqn"]), class_name or "", None)
    return cls is not None and hasattr(cls, "tags_all")


def with_provider_tags(
    resource: PlannedResource, values: Mapping[str, Any], provider: Provider
) -> dict[str, Any]:
    """``values`` plus the ``tagsAll`` pulumi-aws's Check computes for a taggable type."""
    result = dict(values)
    if resource.custom and supports_tags(resource.type):
        default_tags = (provider.properties.get("defaultTags") or {}).get("tags") or {}
        result["tagsAll"] = {**default_tags, **(values.get("tags") or {})}
    return result


def _options(resource: PlannedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        ignoreChanges=list(resource.ignore_changes),
        parent=resource.parent,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
    )


def _provider_message(provider: Provider | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        urn=provider.urn,
        type=provider.type,
        name=provider.name,
        properties=_struct(provider.properties),
    )


def _provider_of(resource: PlannedResource, providers: Mapping[str, Provider]) -> Provider | None:
    return providers.get(resource.type.split(":", 1)[0]) if resource.custom else None


def analyze_requests(
    plan: Plan, providers: Mapping[str, Provider]
) -> list[analyzer_pb2.AnalyzeRequest]:
    """One ``Analyze`` request per registered resource, in registration order."""
    return [
        analyzer_pb2.AnalyzeRequest(
            urn=resource.urn,
            type=resource.type,
            name=resource.name,
            properties=_struct(with_provider_tags(resource, resource.inputs, providers["aws"])),
            options=_options(resource),
            provider=_provider_message(_provider_of(resource, providers)),
        )
        for resource in plan.resources
    ]


def analyze_stack_request(
    plan: Plan, providers: Mapping[str, Provider]
) -> analyzer_pb2.AnalyzeStackRequest:
    """The ``AnalyzeStack`` request: the root stack, the default providers, every resource."""
    root = (
        f"urn:pulumi:{plan.stack}::{plan.project}::{ROOT_STACK_TYPE}::{plan.project}-{plan.stack}"
    )
    resources = [
        analyzer_pb2.AnalyzerResource(
            urn=root,
            type=ROOT_STACK_TYPE,
            name=f"{plan.project}-{plan.stack}",
            properties=_struct(plan.outputs),
            options=analyzer_pb2.AnalyzerResourceOptions(),
        )
    ]
    for provider in providers.values():
        resources.append(
            analyzer_pb2.AnalyzerResource(
                urn=provider.urn,
                type=provider.type,
                name=provider.name,
                properties=_struct(provider.properties),
                options=analyzer_pb2.AnalyzerResourceOptions(),
            )
        )
    for resource in plan.resources:
        resources.append(
            analyzer_pb2.AnalyzerResource(
                urn=resource.urn,
                type=resource.type,
                name=resource.name,
                properties=_struct(
                    with_provider_tags(resource, resource.outputs, providers["aws"])
                ),
                options=_options(resource),
                provider=_provider_message(_provider_of(resource, providers)),
                parent=resource.parent,
                dependencies=list(resource.dependencies),
            )
        )
    return analyzer_pb2.AnalyzeStackRequest(resources=resources)
