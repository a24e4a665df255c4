"""What a release did, for the summary and ``--json``: built from the plan and the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from app.deploy.journal import Journal
    from app.deploy.manifest import ImageTargets
    from app.deploy.plan import Promotion, ReleasePlan
    from app.deploy.state import ReleaseState


class TargetResult(msgspec.Struct, frozen=True):
    """What a release did to one target."""

    kind: Literal["lambda", "ecs"]
    name: str
    previous_image: str | None
    image: str
    action: Literal["updated", "shifted", "unchanged", "imagedefinitions"]
    # Schema 2: the alias's version before and after, and the deployment that moved it.
    alias: str | None = None
    previous_version: str | None = None
    version: str | None = None
    deployment: str | None = None


class ReleaseResult(msgspec.Struct, frozen=True):
    """The outcome of a successful (or no-op) release."""

    image: str
    tag: str
    previous_tag: str
    image_uri: str
    tag_parameter: str
    parameter_changed: bool
    targets: list[TargetResult]
    imagedefinitions: str | None
    warnings: list[str] = msgspec.field(default_factory=list)
    promotion: Promotion | None = None
    """A promotion's build stage, digest and records; ``source_tagged`` if it added the
    promotion tag in the build stage's repository."""
    source_tagged: bool = False

    @property
    def noop(self) -> bool:
        """True when the tag was already released and every function already ran it."""
        return (
            not self.parameter_changed
            and not self.source_tagged
            and all(t.action == "unchanged" for t in self.targets if t.kind == "lambda")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "noop": self.noop,
            "image": self.image,
            "tag": self.tag,
            "previousTag": self.previous_tag,
            "imageUri": self.image_uri,
            "tagParameter": self.tag_parameter,
            "parameterChanged": self.parameter_changed,
            "imagedefinitions": self.imagedefinitions,
            "targets": [
                {
                    "kind": t.kind,
                    "name": t.name,
                    "previousImage": t.previous_image,
                    "image": t.image,
                    "action": t.action,
                    **(
                        {
                            "alias": t.alias,
                            "previousVersion": t.previous_version,
                            "version": t.version,
                            "deployment": t.deployment,
                        }
                        if t.alias is not None
                        else {}
                    ),
                }
                for t in self.targets
            ],
            "warnings": self.warnings,
            **(
                {**self.promotion.to_dict(), "sourceTagged": self.source_tagged}
                if self.promotion is not None
                else {}
            ),
        }


def build_result(
    plan: ReleasePlan,
    image: ImageTargets,
    state: ReleaseState,
    journal: Journal,
    definitions: str | None,
) -> ReleaseResult:
    """The result of an applied plan: per target, what it ran and what it runs now."""
    updated = {step.function for step in plan.updates}
    shifts = journal.shifts
    targets: list[TargetResult] = []
    for name in image.function_names:
        shift, read = shifts.get(name), state.aliases.get(name)
        action: Literal["updated", "shifted", "unchanged"] = (
            "updated" if name in updated else "shifted" if shift else "unchanged"
        )
        targets.append(
            TargetResult(
                kind="lambda",
                name=name,
                previous_image=state.functions[name].image,
                image=plan.image_uri,
                action=action,
                alias=read.alias.name if read else None,
                previous_version=read.alias.version if read else None,
                version=shift.version if shift else read.alias.version if read else None,
                deployment=shift.deployment_id if shift else None,
            )
        )
    targets += [
        TargetResult(
            kind="ecs",
            name=f"{svc.cluster}/{svc.service}",
            previous_image=None,
            image=plan.image_uri,
            action="imagedefinitions",
        )
        for svc in image.ecs_services
    ]
    return ReleaseResult(
        image=plan.image,
        tag=plan.tag,
        previous_tag=plan.previous_tag,
        image_uri=plan.image_uri,
        tag_parameter=plan.tag_parameter,
        parameter_changed=plan.put is not None or plan.put_digest is not None,
        targets=targets,
        imagedefinitions=definitions,
        promotion=plan.promotion,
        source_tagged=plan.tag_source is not None,
    )


def result_summary(result: ReleaseResult) -> str:
    """Human-readable summary of a release, one line per target."""
    promotion = result.promotion
    released = f"{result.tag} ({promotion.digest})" if promotion else result.tag
    if result.noop:
        head = f"{result.image}: {released} was already released; nothing changed."
    elif promotion is not None:
        head = (
            f"{result.image}: promoted {released} from {promotion.source} (was "
            f"{result.previous_tag}); {result.tag_parameter} = {result.tag}, "
            f"{promotion.digest_parameter} = {promotion.digest}"
        )
    else:
        head = (
            f"{result.image}: released {result.tag} (was {result.previous_tag}); "
            f"{result.tag_parameter} = {result.tag}"
        )
    lines = [head]
    if result.source_tagged and promotion is not None:
        lines.append(
            f"  ecr {promotion.source}: tagged {promotion.digest} {promotion.promotion_tag}"
        )
    for t in result.targets:
        if t.alias is not None and t.action != "unchanged":
            moved = (
                f"{t.alias} {t.previous_version} -> {t.version} (deployment {t.deployment})"
                if t.deployment
                else f"{t.alias} serves {t.version}"
            )
            lines.append(f"  lambda {t.name}: {t.previous_image} -> {t.image}; {moved} (verified)")
        elif t.alias is not None:
            lines.append(f"  lambda {t.name}: already on {t.image}; {t.alias} serves {t.version}")
        elif t.action == "updated":
            lines.append(f"  lambda {t.name}: {t.previous_image} -> {t.image} (verified)")
        elif t.action == "unchanged":
            lines.append(f"  lambda {t.name}: already on {t.image}")
        else:
            lines.append(f"  ecs {t.name}: {result.imagedefinitions} names {t.image}")
    lines.extend(f"  warning: {w}" for w in result.warnings)
    return "\n".join(lines)
