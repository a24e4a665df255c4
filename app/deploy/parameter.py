"""The tag parameter (and a promotion's digest parameter): read, write, put back by
compare-and-set.

The restore finds this release's own versions in the tag parameter's history (after
the version read before the put, holding the new tag), records them as failed
(``app.deploy.records``) and puts the previous value back only while the newest
version is still one of them: a tag another release wrote since is left alone. SSM
has no conditional write, so that is check-then-write, with one round trip between.
The digest parameter is restored the same way, without a failed-release record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.deploy.exceptions import DeployError, InvalidTargetError
from app.deploy.records import FailureRecords, Version
from app.deploy.retry import CALL_ERRORS, RetryPolicy, describe_error
from app.deploy.shell import shell_command

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

    from app.deploy.manifest import ImageTargets
    from app.deploy.plan import PutParameter
    from app.deploy.workers import Progress

_RESTORE_ATTEMPTS = 3
_READ_ERRORS: tuple[type[Exception], ...] = (*CALL_ERRORS, DeployError)


class TagParameter:
    """The tag parameter of one image, and its failed-release record.

    With ``digest`` it is the image's digest parameter instead (schema 3): written and
    restored the same way, but its versions are never recorded as failed (the tag
    parameter's are, and ``rollback`` reads only those).
    """

    def __init__(
        self,
        ssm: SSMClient,
        image: ImageTargets,
        *,
        retry: RetryPolicy,
        progress: Progress,
        digest: bool = False,
    ) -> None:
        self._ssm = ssm
        self.image = image
        self.name = image.digest_parameter_name if digest else image.tag_parameter
        self.kind = "digest" if digest else "tag"
        self._retry = retry
        self._progress = progress

    @property
    def recorded(self) -> bool:
        """True when a failed release's versions of this parameter are recorded."""
        return self.kind == "tag"

    def missing(self) -> InvalidTargetError:
        return InvalidTargetError(
            f"{self.kind} parameter {self.name} does not exist; the infra stack creates it "
            "(pulumi up) before the first release"
        )

    def records(self) -> FailureRecords:
        return FailureRecords(
            self._ssm,
            tag_parameter=self.name,
            record_parameter=self.image.failed_releases_parameter_name,
            retry=self._retry,
            missing_tag_parameter=self.missing,
            progress=self._progress,
        )

    def read(self) -> tuple[str, int]:
        """``GetParameter``: the recorded tag and its version."""
        ssm = self._ssm
        try:
            response = self._retry.call(lambda: ssm.get_parameter(Name=self.name))
        except ssm.exceptions.ParameterNotFound as exc:
            raise self.missing() from exc
        return response["Parameter"]["Value"], int(response["Parameter"]["Version"])

    def put(self, value: str) -> None:
        """``PutParameter`` with ``Overwrite``; migrates old failure labels if SSM refuses.

        SSM refuses a 101st version while the oldest carries a label
        (``ParameterMaxVersionLimitExceeded``). Labels of earlier versions of this tool
        are moved into the failed-release record and the write is tried once more.
        """
        ssm = self._ssm

        def put() -> None:
            self._retry.call(
                lambda: ssm.put_parameter(
                    Name=self.name, Value=value, Type="String", Overwrite=True
                )
            )

        try:
            put()
        except ssm.exceptions.ParameterMaxVersionLimitExceeded:
            records = self.records()
            history = records.history()
            if not records.migrate_labels(history, records.read()):
                raise self._labelled(history[0]) from None
            put()

    def _labelled(self, oldest: Version) -> DeployError:
        labels = ", ".join(oldest.labels) or "?"
        command = shell_command(
            "aws", "ssm", "unlabel-parameter-version", "--name", self.name,
            "--parameter-version", str(oldest.version), "--labels", *oldest.labels,
        )  # fmt: skip
        return DeployError(
            f"SSM parameter {self.name} holds 100 versions and its oldest, "
            f"version {oldest.version}, carries labels this tool did not set "
            f"({labels}); move them to a newer version: {command}"
        )

    def restore(self, step: PutParameter) -> tuple[list[str], list[str]]:
        """Record this release's versions as failed, then put the previous value back.

        Returns notes (what was restored) and problems (what needs a person). The
        versions are found in the history, not from PutParameter's response: a retried
        put whose first answer was lost writes several. Recording comes first, so that
        whatever happens next ``rollback`` never selects them; the history is read
        again after the write, which catches a write that landed late.
        """
        restore = _Restore(self, step)
        return restore.run()


class _Restore:
    """One restore of the tag parameter: record, compare, put back, verify."""

    def __init__(self, parameter: TagParameter, step: PutParameter) -> None:
        self.parameter = parameter
        self.step = step
        self.records = parameter.records()
        self.record_failed = not parameter.recorded  # nothing to record: read, never record
        self.notes: list[str] = []
        self.problems: list[str] = []
        self.recorded: set[int] = set()
        self.command = shell_command(
            "aws", "ssm", "put-parameter", "--overwrite", "--name", parameter.name,
            "--value", step.previous,
        )  # fmt: skip

    def ours(self, version: Version) -> bool:
        return version.version > self.step.version_before and version.value == self.step.value

    def run(self) -> tuple[list[str], list[str]]:
        name, previous, tag = self.parameter.name, self.step.previous, self.step.value
        wrote_back = False
        for _attempt in range(_RESTORE_ATTEMPTS):
            newest = self._record_and_read()
            if newest is None:
                return self.notes, self.problems
            if newest.value == previous:
                break
            if not self.ours(newest):
                self.problems.append(
                    f"SSM parameter {name}: not set back to {previous!r}: version "
                    f"{newest.version} holds {newest.value!r}, written by someone else after "
                    f"this release wrote {tag!r}; left as it is. If that write is not another "
                    f"release's, set it back: {self.command}"
                )
                return self.notes, self.problems
            if not self._put_back():
                return self.notes, self.problems
            wrote_back = True
        else:
            self.problems.append(
                f"SSM parameter {name}: something kept writing {tag!r} after it was put back "
                f"to {previous!r} {_RESTORE_ATTEMPTS} times; set it back: {self.command}"
            )
            return self.notes, self.problems
        self.notes.append(
            f"SSM parameter {name} {'back to' if wrote_back else 'still'} {previous!r}"
        )
        if self.recorded:
            listed = ", ".join(str(v) for v in sorted(self.recorded))
            self.notes.append(
                f"SSM parameter {self.records.record_parameter}: version(s) {listed} of {name} "
                f"({tag!r}) recorded as failed"
            )
        return self.notes, self.problems

    def _record_and_read(self) -> Version | None:
        """Record any new version of ours; the newest version (None: reported unreadable)."""
        history: list[Version] | None = None
        if not self.record_failed:
            try:
                history = self.records.history()
                ours = {v.version for v in history if self.ours(v)}
                if ours - self.recorded:
                    self.records.record(history, ours, self.records.read())
                    self.recorded |= ours
            except Exception as exc:  # noqa: BLE001 - reported as needing attention
                self._cannot_record(exc)
                self.record_failed = True
        if history:
            return history[-1]
        try:
            value, version = self.parameter.read()
        except Exception as exc:  # noqa: BLE001 - reported as needing attention
            self.problems.append(
                f"SSM parameter {self.parameter.name}: must be set back to "
                f"{self.step.previous!r} if it still holds {self.step.value!r} "
                f"({self.command}); reading it failed: {describe_error(exc)}"
            )
            return None
        return Version(version, value)

    def _cannot_record(self, exc: BaseException) -> None:
        self.problems.append(
            f"SSM parameter {self.records.record_parameter}: could not record that "
            f"{self.step.value!r} (versions of {self.parameter.name} after "
            f"{self.step.version_before}) failed: {describe_error(exc)}; until it is "
            f"recorded, rollback may select {self.step.value!r}"
        )

    def _put_back(self) -> bool:
        """Write the previous value; after a failure, read again before reporting it."""
        name, previous = self.parameter.name, self.step.previous
        try:
            self.parameter._progress(name, f"restoring {previous}")
            self.parameter.put(previous)
        except Exception as exc:  # noqa: BLE001 - reported as needing attention
            # The answer may have been lost after SSM wrote the value: look first.
            try:
                value, _ = self.parameter.read()
            except _READ_ERRORS:
                value = None
            if value == previous:
                return True
            self.problems.append(
                f"SSM parameter {name}: must be set back to {previous!r} "
                f"({self.command}); restoring failed: {describe_error(exc)}"
            )
            return False
        return True
