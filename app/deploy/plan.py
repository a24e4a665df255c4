"""A release as data: the steps it will take, each with its guard and its restore step.

``app.deploy.planner`` builds a ``ReleasePlan`` from what it read; ``app.deploy.applier``
runs it, ``app.deploy.restorer`` undoes what the journal says was done, and
``--dry-run`` prints it (``lines``, ``to_dict``), as Chalice's deployer builds a plan of
instructions that its executor runs and its display-only executor prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import msgspec

if TYPE_CHECKING:
    from app.deploy.manifest import LambdaTarget


class _PutParameter(msgspec.Struct, frozen=True):
    """Write a parameter (``PutParameter``, ``Overwrite``); the tag's and the digest's.

    Guard: ``version_before``, the version read; the versions this release writes are
    the later ones holding ``value``. Restore: put ``previous`` back, but only while
    the newest version is still one of those (compare-and-set).
    """

    parameter: str
    value: str
    previous: str
    version_before: int

    @property
    def target(self) -> str:
        return self.parameter

    def change(self) -> str:
        return f"{self.previous} -> {self.value}"

    def guard(self) -> str:
        return f"version {self.version_before} read"

    def restore(self) -> str:
        return f"put {self.previous} back if the newest version is still this release's"


class PutTag(_PutParameter, frozen=True):
    """The tag parameter: the tag released (a promotion's too, for people)."""

    action: ClassVar[str] = "put-parameter"


class PutDigest(_PutParameter, frozen=True):
    """Promotion: the digest parameter, what the promoted stage's targets run.

    The infra program of a promoted stage reads it (never the tag) to pin each target
    to ``<build stage repositoryUrl>@<digest>``.
    """

    action: ClassVar[str] = "put-digest"


PutParameter = PutTag | PutDigest


class TagSource(msgspec.Struct, frozen=True):
    """Promotion: add ``tag`` to ``digest`` in the build stage's repository (``PutImage``).

    ``promoted-<stage>-<commit tag>``: the build stage's lifecycle policy keeps images
    tagged ``promoted-`` (a rule before its expiring ones), so a digest a promoted stage
    runs never expires. Planned only when the tag is absent (one already on this digest
    is kept). Restore: ``BatchDeleteImage`` of the tag, if it still names ``digest``;
    the image keeps its commit tag.
    """

    action: ClassVar[str] = "tag-source"
    repository: str
    repository_url: str
    tag: str
    digest: str

    @property
    def target(self) -> str:
        return self.repository_url

    def change(self) -> str:
        return f"+ tag {self.tag} on {self.digest}"

    def guard(self) -> str:
        return f"tag {self.tag} absent when read"

    def restore(self) -> str:
        return f"delete tag {self.tag} if it still names {self.digest}"


class UpdateCode(msgspec.Struct, frozen=True):
    """``UpdateFunctionCode`` of ``$LATEST`` to ``image``, guarded by ``revision``.

    Waited for and verified. Restore: update back to ``previous_image``, guarded by the
    ``RevisionId`` the function reports after this update.
    """

    action: ClassVar[str] = "update-code"
    function: str
    image: str
    previous_image: str
    revision: str

    @property
    def target(self) -> str:
        return self.function

    def change(self) -> str:
        return f"{self.previous_image} -> {self.image}"

    def guard(self) -> str:
        return f"RevisionId {self.revision}"

    def restore(self) -> str:
        return f"update back to {self.previous_image}, guarded by the RevisionId after this update"


class PublishVersion(msgspec.Struct, frozen=True):
    """Schema 2: ``PublishVersion`` of ``$LATEST``, Description ``tag=<tag>``.

    Guard: ``CodeSha256`` and ``RevisionId``; None means "as the update step of this
    function leaves them". Lambda refuses a publish if ``$LATEST`` changed since.
    ``changed`` is what differs from the version the alias serves. No restore: a
    version is immutable, and nothing serves it once its shift is undone.
    """

    action: ClassVar[str] = "publish-version"
    function: str
    tag: str
    code_sha256: str | None
    revision: str | None
    changed: tuple[str, ...]

    @property
    def target(self) -> str:
        return self.function

    def change(self) -> str:
        return f"tag={self.tag} ({', '.join(self.changed) or 'traffic split'} changed)"

    def guard(self) -> str:
        if self.code_sha256 is None or self.revision is None:
            return "CodeSha256 and RevisionId as the update leaves them"
        return f"CodeSha256 {self.code_sha256}, RevisionId {self.revision}"

    def restore(self) -> str:
        return "none (a version is immutable)"


class ShiftAlias(msgspec.Struct, frozen=True):
    """Schema 2: one CodeDeploy deployment moving the alias to the published version.

    Guard: the version the alias serves (the AppSpec's ``CurrentVersion``). ``config``
    None is the deployment group's own config. Restore: a running deployment is
    stopped with rollback, a finished one deployed back all at once; either way the
    alias is verified to serve ``from_version`` alone.
    """

    action: ClassVar[str] = "shift-alias"
    function: LambdaTarget
    from_version: str
    config: str | None

    @property
    def target(self) -> str:
        return f"{self.function.name}:{self.function.alias}"

    def change(self) -> str:
        return (
            f"version {self.from_version} -> the published version "
            f"({self.config or 'the group config'})"
        )

    def guard(self) -> str:
        return f"{self.function.alias} serves version {self.from_version}"

    def restore(self) -> str:
        return f"stop with rollback, or deploy back to version {self.from_version} all at once"


class WriteImageDefinitions(msgspec.Struct, frozen=True):
    """Write ``imagedefinitions.json`` for the pipeline's ECS deploy action (a local file).

    The last step: once it runs, every target runs the tag, so it has no restore.
    """

    action: ClassVar[str] = "write-imagedefinitions"
    path: str
    image: str
    containers: tuple[str, ...]
    services: tuple[str, ...]
    """Each ECS service the pipeline rolls out from the file, described."""

    @property
    def target(self) -> str:
        return self.path

    def change(self) -> str:
        return f"{', '.join(self.containers)} -> {self.image}"

    def guard(self) -> str:
        return "none"

    def restore(self) -> str:
        return "none (written last)"


Step = (
    TagSource
    | PutTag
    | PutDigest
    | UpdateCode
    | PublishVersion
    | ShiftAlias
    | WriteImageDefinitions
)


class Promotion(msgspec.Struct, frozen=True):
    """What a promotion adds to a release: the build stage, the digest and its records."""

    source: str
    """The build stage's stack."""
    account: str
    region: str
    digest: str
    digest_parameter: str
    previous_digest: str
    promotion_tag: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "digestParameter": self.digest_parameter,
            "previousDigest": self.previous_digest,
            "promotionTag": self.promotion_tag,
            "source": {"stack": self.source, "account": self.account, "region": self.region},
        }


class ReleasePlan(msgspec.Struct, frozen=True):
    """What a release (or rollback) of ``tag`` will do, in order, and what it read."""

    command: Literal["release", "rollback", "promote"]
    image: str
    tag: str
    image_uri: str
    tag_parameter: str
    previous_tag: str
    version_before: int
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    promotion: Promotion | None = None

    @property
    def empty(self) -> bool:
        """True when nothing changes in AWS (``imagedefinitions.json`` may still be written)."""
        return not any(not isinstance(step, WriteImageDefinitions) for step in self.steps)

    @property
    def put(self) -> PutTag | None:
        return next((s for s in self.steps if isinstance(s, PutTag)), None)

    @property
    def put_digest(self) -> PutDigest | None:
        return next((s for s in self.steps if isinstance(s, PutDigest)), None)

    @property
    def tag_source(self) -> TagSource | None:
        return next((s for s in self.steps if isinstance(s, TagSource)), None)

    @property
    def updates(self) -> tuple[UpdateCode, ...]:
        return tuple(s for s in self.steps if isinstance(s, UpdateCode))

    @property
    def publishes(self) -> tuple[PublishVersion, ...]:
        return tuple(s for s in self.steps if isinstance(s, PublishVersion))

    @property
    def shifts(self) -> tuple[ShiftAlias, ...]:
        return tuple(s for s in self.steps if isinstance(s, ShiftAlias))

    @property
    def definitions(self) -> WriteImageDefinitions | None:
        return next((s for s in self.steps if isinstance(s, WriteImageDefinitions)), None)

    def headline(self) -> str:
        count = len(self.steps)
        what = f"{self.command} of image {self.image}"
        released = self.tag
        if self.promotion is not None:
            what += f" from {self.promotion.source}"
            released = f"{self.tag} ({self.promotion.digest})"
        if self.empty:
            state = f"{released} is already released; nothing to change"
            if count:
                state += f" in AWS ({count} local step)"
            return f"plan: {what}: {state}"
        return (
            f"plan: {what} to {released} (recorded: {self.previous_tag}): "
            f"{count} step{'s' if count != 1 else ''}"
        )

    def lines(self) -> list[str]:
        """The plan for a person: a headline, one line per step, then any notes."""
        width = max((len(step.action) for step in self.steps), default=0)
        lines = [self.headline()]
        for number, step in enumerate(self.steps, 1):
            lines.append(
                f"{number:>3}. {step.action:<{width}}  {step.target}: {step.change()}; "
                f"guard: {step.guard()}; restore: {step.restore()}"
            )
        lines.extend(f"note: {note}" for note in self.notes)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The plan for machines (``--dry-run --json``)."""
        return {
            "ok": True,
            "dryRun": True,
            "command": self.command,
            "image": self.image,
            "tag": self.tag,
            "imageUri": self.image_uri,
            "tagParameter": self.tag_parameter,
            "previousTag": self.previous_tag,
            "empty": self.empty,
            "steps": [_step_dict(number, step) for number, step in enumerate(self.steps, 1)],
            "notes": list(self.notes),
            **(self.promotion.to_dict() if self.promotion is not None else {}),
        }


def _step_dict(number: int, step: Step) -> dict[str, Any]:
    details: dict[str, Any]
    if isinstance(step, PutTag | PutDigest):
        details = {"from": step.previous, "to": step.value, "versionRead": step.version_before}
    elif isinstance(step, TagSource):
        details = {"repository": step.repository, "tag": step.tag, "digest": step.digest}
    elif isinstance(step, UpdateCode):
        details = {"from": step.previous_image, "to": step.image, "revisionId": step.revision}
    elif isinstance(step, PublishVersion):
        details = {
            "description": f"tag={step.tag}",
            "codeSha256": step.code_sha256,
            "revisionId": step.revision,
            "changed": list(step.changed),
        }
    elif isinstance(step, ShiftAlias):
        details = {
            "alias": step.function.alias,
            "fromVersion": step.from_version,
            "deploymentConfig": step.config,
            "codeDeployApplication": step.function.code_deploy_application,
            "deploymentGroup": step.function.deployment_group,
        }
    else:
        details = {
            "image": step.image,
            "containers": list(step.containers),
            "services": list(step.services),
        }
    return {
        "step": number,
        "action": step.action,
        "target": step.target,
        **details,
        "guard": step.guard(),
        "restore": step.restore(),
    }
