"""The restorer: walks a release's journal backwards and undoes each step it finds.

Aliases first (invokers are served by them; ``$LATEST`` serves nobody), then every
function's code, then the digest and tag parameters, then (a promotion) the promotion
tag in the build stage's repository. Each undo is guarded as its step was: a
function by the ``RevisionId`` it had after this release's update, an alias by the
version this release moved it to, the parameter by its newest version being this
release's own. A change someone else made since is reported, never overwritten.
Nothing here raises but the final verdict, and nothing checks for signals: no signal
cuts a restore short (``app.deploy.signals``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NoReturn

from app.deploy.alias_restore import restore_aliases
from app.deploy.exceptions import (
    InterruptedBySignalError,
    ReleaseFailedError,
    RestoreFailedError,
    RevisionConflictError,
)
from app.deploy.functions import revision_of
from app.deploy.journal import (
    CodeChanged,
    DigestWritten,
    Journal,
    Shifted,
    SourceTagged,
    TagWritten,
)
from app.deploy.retry import describe_error, error_code
from app.deploy.shell import shell_command
from app.deploy.step_tools import StepRunner
from app.deploy.traffic import config_differences
from app.deploy.workers import run_concurrently

#: ECR's answers when the credentials may not delete images (the reader role, by design).
DELETE_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})

if TYPE_CHECKING:
    pass


class Restorer(StepRunner):
    """Undoes what a journal records, then raises what the caller should see."""

    def restore(self, image_name: str, journal: Journal, cause: BaseException) -> NoReturn:
        """Undo every entry of ``journal``, newest first; raise the release's failure.

        ``ReleaseFailedError`` (exit 1) when everything was put back,
        ``RestoreFailedError`` (exit 3) with one line per thing a person must fix.
        """
        if isinstance(cause, InterruptedBySignalError) and not journal:
            raise cause
        what = f"release of {image_name} {journal.tag} failed: {describe_error(cause)}"
        self._progress(image_name, f"{what}; restoring")
        restored: list[str] = []
        attention: list[str] = []
        for run in journal.backwards():
            first = run[0]
            if isinstance(first, Shifted):
                shifted = [e for e in run if isinstance(e, Shifted)]
                restore_aliases(
                    image_name,
                    shifted,
                    self._deployments(),
                    self._lambda(),
                    self._retry,
                    self._progress,
                    restored,
                    attention,
                )
            elif isinstance(first, CodeChanged):
                changes = [e for e in run if isinstance(e, CodeChanged)]
                self._restore_functions(changes, restored, attention)
            elif isinstance(first, TagWritten):
                notes, problems = self._parameter.restore(first.step)
                restored.extend(notes)
                attention.extend(problems)
            elif isinstance(first, DigestWritten) and self._digest is not None:
                notes, problems = self._digest.restore(first.step)
                restored.extend(notes)
                attention.extend(problems)
            elif isinstance(first, SourceTagged) and self._source is not None:
                self._untag(first, restored, attention)
        restored.sort()
        if attention:
            raise RestoreFailedError(
                f"{what}. Restoring failed too; needs manual attention: "
                + "; ".join(sorted(attention)),
                needs_attention=sorted(attention),
                restored=restored,
            ) from cause
        summary = "; ".join(restored) if restored else "nothing had been changed"
        raise ReleaseFailedError(f"{what}. Restored: {summary}", restored=restored) from cause

    def _untag(self, entry: SourceTagged, restored: list[str], attention: list[str]) -> None:
        """The promotion tag, taken away again: nothing here runs its digest any more.

        The infra stack's reader role may not delete images (``ecr:BatchDeleteImage`` has
        no condition key that could limit it to ``promoted-`` tags; README, "Build once,
        promote"), so there the removal is refused, and the tag stays, named in the
        restore notes: it changes nothing any stage runs, only keeps that released image
        from expiring, and a later promotion of the same tag and digest reuses it. Any
        other failure to remove it needs a person (exit 3)."""
        from app.deploy.source_registry import describe_tag_failure, describe_tag_left

        assert self._source is not None
        try:
            restored.append(self._source.remove_tag(entry.step))
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
            if error_code(exc) in DELETE_DENIED:
                restored.append(describe_tag_left(entry.step))
            else:
                attention.append(describe_tag_failure(entry.step, exc))

    def _restore_functions(
        self, changes: list[CodeChanged], restored: list[str], attention: list[str]
    ) -> None:
        """Every function this release updated, back on its previous image, side by side."""
        by_name = {entry.step.function: entry for entry in changes}
        lock = threading.Lock()

        def restore_one(name: str, cancelled: threading.Event) -> None:
            entry = by_name[name]
            try:
                note = self._restore_function(entry)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
                command = shell_command(
                    "aws", "lambda", "update-function-code", "--function-name", name,
                    "--image-uri", entry.step.previous_image,
                )  # fmt: skip
                with lock:
                    attention.append(
                        f"Lambda function {name}: must be set back to "
                        f"{entry.step.previous_image} ({command}); restoring failed: "
                        f"{describe_error(exc)}"
                    )
            else:
                with lock:
                    restored.append(note)

        run_concurrently(
            sorted(by_name),
            restore_one,
            max_concurrency=self._max_concurrency,
            progress=self._progress,
        )

    def _restore_function(self, entry: CodeChanged) -> str:
        """Put one function back on its previous image, unless someone else changed it.

        ``entry.revision`` is the ``RevisionId`` the function reported after this
        release updated it (None if the update's outcome is unknown). A different
        revision now means a change this release did not make: it is reported, never
        overwritten. In schema 2 the release also published a version, which may move
        the revision on: a function still on the new image, with the ``LastModified``,
        code and configuration it reported after this release's update
        (``entry.settled``), is unchanged since.
        """
        step, ours, settled = entry.step, entry.revision, entry.settled
        name, previous = step.function, step.previous_image
        response = self._functions.settled(name, interruptible=False)
        config, image = response["Configuration"], response["Code"].get("ImageUri")
        revision = revision_of(name, response)
        if config.get("LastUpdateStatus") != "Failed" and image == previous:
            self._progress(name, f"unchanged, still on {previous}")
            return f"Lambda function {name} still on {previous}"
        unchanged_since = (
            settled is not None
            and image == step.image
            and config.get("LastModified") == settled.get("LastModified")
            and not config_differences(config, settled)
        )
        if (ours is not None and revision != ours and not unchanged_since) or (
            ours is None and image != step.image
        ):
            raise RevisionConflictError(
                f"changed by someone else after this release updated it (revision {revision}, "
                f"image {image}); not overwritten"
            )
        self._progress(name, f"restoring {previous}")
        self._functions.move(name, previous, revision, interruptible=False)
        return f"Lambda function {name} back on {previous}"
