"""What a kind is, and the two views its rules read: the Pulumi plan and the template.

Each view hands out its native resources by type and remembers which ones a kind has
taken; whatever no kind takes becomes an ``unmapped`` entry, so a resource added on
either side always shows up in the comparison. Once the first kinds have run, each
view also knows every entry's ARNs, so a policy can name a resource the same way on
both sides (``[ssm-parameter /p/s/images/lambda/tag]``) however its ARN was built.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from cdk_parity.compare.intrinsics import Renderer
from cdk_parity.compare.model import Resource
from infra_pulumi.plan import Plan, PlannedResource


class _Symbols:
    """ARN -> ``[kind key]`` of the entry it belongs to, and the entry of each source."""

    def __init__(self) -> None:
        self.by_arn: dict[str, str] = {}
        self.entry_of: dict[str, Resource] = {}

    def add(self, entry: Resource, arns: set[str]) -> None:
        for source in entry.sources:
            self.entry_of[source] = entry
        for arn in arns:
            self.by_arn.setdefault(arn, f"[{entry.kind} {entry.key}]")

    def name(self, text: str) -> str:
        """``text`` with a leading ARN of a known entry replaced by that entry's name."""
        best = max(
            (
                arn
                for arn in self.by_arn
                if text == arn or (text.startswith(arn) and text[len(arn)] in "/:")
            ),
            key=len,
            default=None,
        )
        return text if best is None else self.by_arn[best] + text[len(best) :]


class PulumiSide:
    """The plan's custom resources, by type, in registration order."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.custom = [r for r in plan.resources if r.custom]
        self._by_type: dict[str, list[PlannedResource]] = defaultdict(list)
        for resource in self.custom:
            self._by_type[resource.type].append(resource)
        self._used: set[str] = set()
        self.symbols = _Symbols()

    def index(self, entries: list[Resource]) -> None:
        """Learn the ARN of each entry's main resource (the provider's ``arn`` output)."""
        by_urn = {r.urn: r for r in self.custom}
        for entry in entries:
            main = by_urn[entry.sources[0]]
            arn = main.outputs.get("arn")
            if main.type == "aws:ecs/service:Service":
                arn = main.outputs.get("id")  # the provider's id of a service is its ARN
            self.symbols.add(entry, {str(arn)} if arn else set())

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
        self.symbols = _Symbols()

    def index(self, entries: list[Resource]) -> None:
        """Learn every ARN form of each entry's main resource."""
        for entry in entries:
            self.symbols.add(entry, self.render.arns(entry.sources[0]))

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
    reads_others: ClassVar[bool] = False
    """True for a kind whose rules name other entries (``side.symbols``): it runs after
    every other kind, once their ARNs are known."""

    @abstractmethod
    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        """Entries of this kind from the Pulumi plan."""

    @abstractmethod
    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        """Entries of this kind from the CloudFormation template."""
