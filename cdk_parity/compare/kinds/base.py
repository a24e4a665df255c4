"""What a kind is, and the two views its rules read: the Pulumi plan and the template.

Each view hands out its native resources by type and remembers which ones a kind has
taken; whatever no kind takes becomes an ``unmapped`` entry, so a resource added on
either side always shows up in the comparison.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from cdk_parity.compare.intrinsics import Renderer
from cdk_parity.compare.model import Resource
from infra_pulumi.plan import Plan, PlannedResource


class PulumiSide:
    """The plan's custom resources, by type, in registration order."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.custom = [r for r in plan.resources if r.custom]
        self._by_type: dict[str, list[PlannedResource]] = defaultdict(list)
        for resource in self.custom:
            self._by_type[resource.type].append(resource)
        self._used: set[str] = set()

    def of(self, typ: str) -> list[PlannedResource]:
        return self._by_type.get(typ, [])

    def resource(
        self,
        kind: str,
        key: str,
        props: dict[str, Any],
        *folded: PlannedResource,
        types: tuple[str, ...] | None = None,
    ) -> Resource:
        """An entry for ``folded[0]``, with the rest folded into it (all marked taken)."""
        self._used.update(r.urn for r in folded)
        return Resource(
            "pulumi",
            kind,
            key,
            props,
            tuple(r.urn for r in folded),
            types if types is not None else (folded[0].type,),
        )

    def unmapped(self) -> list[Resource]:
        return [
            Resource("pulumi", "unmapped", f"{r.type} {r.name}", {}, (r.urn,), (r.type,))
            for r in self.custom
            if r.urn not in self._used
        ]


class CfnSide:
    """The template's resources, by type, with their properties rendered (``Renderer``)."""

    def __init__(self, template: Mapping[str, Any], *, account: str, region: str) -> None:
        self.render = Renderer(template, account, region)
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self._by_type: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for logical, resource in self.resources.items():
            rendered = self.render.render(resource.get("Properties", {}))
            self._by_type[resource["Type"]].append((logical, rendered))
        self._used: set[str] = set()

    def of(self, typ: str) -> list[tuple[str, dict[str, Any]]]:
        return self._by_type.get(typ, [])

    def type_of(self, logical: str) -> str:
        return str(self.resources[logical]["Type"])

    def resource(
        self,
        kind: str,
        key: str,
        props: dict[str, Any],
        *logical_ids: str,
        types: tuple[str, ...] | None = None,
    ) -> Resource:
        """An entry for ``logical_ids[0]``, with the rest folded into it (all marked taken)."""
        self._used.update(logical_ids)
        return Resource(
            "cdk",
            kind,
            key,
            props,
            tuple(logical_ids),
            types if types is not None else (self.type_of(logical_ids[0]),),
        )

    def unmapped(self) -> list[Resource]:
        return [
            Resource(
                "cdk",
                "unmapped",
                f"{resource['Type']} {logical}",
                {},
                (logical,),
                (resource["Type"],),
            )
            for logical, resource in self.resources.items()
            if logical not in self._used
        ]


class Kind(ABC):
    """One kind of resource: its Pulumi rule and its CloudFormation rule, side by side.

    Both rules produce ``Resource`` entries with the same key (usually the physical
    name) and the same property names, so the engine can pair and compare them.
    """

    name: ClassVar[str]

    @abstractmethod
    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        """Entries of this kind from the Pulumi plan."""

    @abstractmethod
    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        """Entries of this kind from the CloudFormation template."""
