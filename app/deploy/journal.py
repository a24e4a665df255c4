"""What a release has done so far, step by step, so a failure undoes exactly that.

The applier writes an entry for a step before asking AWS for it whenever the answer
can be lost while the change lands (a put, an update, a deployment), and completes
the entry with what AWS answered. The restorer walks the entries backwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from app.deploy.deployments import Outcome
    from app.deploy.plan import PutDigest, PutTag, ShiftAlias, TagSource, UpdateCode


class SourceTagged(msgspec.Struct):
    """Promotion: the build stage's image was (or may have been) given the promotion tag.

    Planned only when the tag was absent, read under this stage's lock, and only this
    stage's promotions (which take that lock) write a tag with its name: so a tag found
    later is this release's own (a retried PutImage whose first answer was lost).
    """

    step: TagSource


class TagWritten(msgspec.Struct):
    """The tag parameter was (or may have been) written."""

    step: PutTag


class DigestWritten(msgspec.Struct):
    """Promotion: the digest parameter was (or may have been) written."""

    step: PutDigest


class CodeChanged(msgspec.Struct):
    """A function's ``$LATEST`` was (or may have been) updated.

    ``revision`` is the ``RevisionId`` it reported after this release's update, the
    guard of its restore (None while the outcome is unknown); ``settled`` its
    configuration once the update settled (schema 2 publishes exactly that).
    """

    step: UpdateCode
    revision: str | None = None
    settled: Mapping[str, Any] | None = None


class Shifted(msgspec.Struct):
    """A deployment this release started (or may have: ``deployment_id`` None)."""

    step: ShiftAlias
    version: str
    description: str
    deployment_id: str | None = None
    outcome: Outcome | None = None


Entry = SourceTagged | TagWritten | DigestWritten | CodeChanged | Shifted


class Journal(msgspec.Struct):
    """The entries of one release, in the order they were made; safe across threads."""

    tag: str
    entries: list[Entry] = msgspec.field(default_factory=list)
    lock: threading.Lock = msgspec.field(default_factory=threading.Lock)

    def add(self, entry: Entry) -> None:
        with self.lock:
            self.entries.append(entry)

    def drop(self, entry: Entry) -> None:
        """Forget an entry whose step AWS refused: nothing was changed by it."""
        with self.lock:
            self.entries.remove(entry)

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def code_changes(self) -> dict[str, CodeChanged]:
        with self.lock:
            return {e.step.function: e for e in self.entries if isinstance(e, CodeChanged)}

    @property
    def shifts(self) -> dict[str, Shifted]:
        with self.lock:
            return {e.step.function.name: e for e in self.entries if isinstance(e, Shifted)}

    def backwards(self) -> Iterator[list[Entry]]:
        """The entries newest first, in runs of one kind (a run is undone together)."""
        with self.lock:
            entries = list(reversed(self.entries))
        run: list[Entry] = []
        for entry in entries:
            if run and type(run[0]) is not type(entry):
                yield run
                run = []
            run.append(entry)
        if run:
            yield run
