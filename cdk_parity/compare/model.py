"""The common form both sides are normalised to before they are compared."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Side = Literal["pulumi", "cdk"]


@dataclass(frozen=True)
class Resource:
    """One resource (or a folded group of them) in the common form.

    ``kind`` and ``key`` pair the two sides: the kind is the architecture's word for the
    thing (``lambda-function``), the key its physical name where both sides set one.
    ``props`` holds only the properties that matter for parity, in one vocabulary.
    """

    side: Side
    kind: str
    key: str
    props: dict[str, Any]
    sources: tuple[str, ...] = field(default_factory=tuple)
    """URNs (Pulumi) or logical ids (CloudFormation) folded into this entry."""
    types: tuple[str, ...] = field(default_factory=tuple)
    """Their native types, e.g. ``aws:ecr/repository:Repository`` or ``AWS::ECR::Repository``."""
    notes: dict[str, Any] = field(default_factory=dict)
    """Shown beside the properties but never compared: the raw text a property was
    derived from (a lifecycle policy's rules, a pattern), for the reviewer."""

    def noted(self, **notes: Any) -> Resource:
        """This entry with more notes (``None`` values left out)."""
        kept = {k: v for k, v in notes.items() if v is not None}
        return replace(self, notes={**self.notes, **kept}) if kept else self
