"""Which versions of a tag parameter belong to failed releases, so ``rollback`` skips them.

They are kept in a second String parameter beside the tag parameter (the manifest's
``failedReleasesParameter``, by default ``<tag parameter's folder>/failed-releases``),
never as labels on the tag parameter. Parameter Store keeps the 100 most recent
versions of a parameter and deletes the oldest on each new write, unless the oldest
carries a label: then every ``PutParameter`` fails with
``ParameterMaxVersionLimitExceeded`` ("Version N, the oldest version, can't be
deleted because it has a label associated with it"; AWS API reference,
ParameterMaxVersionLimitExceeded). Earlier versions of this tool labelled failed
versions ``release-failed-v<N>``, which eventually blocked every release; the record
parameter itself is never labelled, so SSM simply drops its oldest versions.

The record's value: ``{"schema": 1, "failed": [[<version>, "<tag[:7]>"], ...]}``.
Only versions still in the tag parameter's history are kept (at most 100), and each
carries its tag's first 7 characters: a recreated parameter restarts its version
numbers, and a version whose value does not match is not the one recorded. So the
value stays under 2 KB, well within a standard parameter's 4096 characters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import msgspec

from app.deploy.exceptions import InvalidTargetError
from app.deploy.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

RECORD_SCHEMA = 1
LEGACY_LABEL_PREFIX = "release-failed-v"
"""Labels earlier versions of the tool put on undone versions; migrated into the record."""
TAG_PREFIX_LENGTH = 7


class Version(msgspec.Struct, frozen=True):
    """One version of the tag parameter, from ``GetParameterHistory``."""

    version: int
    value: str
    labels: tuple[str, ...] = ()

    @property
    def legacy_labels(self) -> tuple[str, ...]:
        return tuple(label for label in self.labels if label.startswith(LEGACY_LABEL_PREFIX))


Recorded = dict[int, str]
"""Failed versions: version number -> the first 7 characters of the tag it held."""


class FailureRecords:
    """Reads and writes the failed-release record of one tag parameter."""

    def __init__(
        self,
        ssm: SSMClient,
        *,
        tag_parameter: str,
        record_parameter: str,
        retry: RetryPolicy,
        missing_tag_parameter: Callable[[], Exception],
        progress: Callable[[str, str], None],
    ) -> None:
        self._ssm = ssm
        self.tag_parameter = tag_parameter
        self.record_parameter = record_parameter
        self._retry = retry
        self._missing = missing_tag_parameter
        self._progress = progress

    def history(self) -> list[Version]:
        """Every version SSM still keeps (at most 100), oldest first."""
        ssm = self._ssm
        versions: list[Version] = []
        try:
            paginator = ssm.get_paginator("get_parameter_history")
            pages = paginator.paginate(Name=self.tag_parameter, PaginationConfig={"PageSize": 50})
            for page in pages:
                versions.extend(
                    Version(int(p["Version"]), p["Value"], tuple(p.get("Labels") or ()))
                    for p in page["Parameters"]
                )
        except ssm.exceptions.ParameterNotFound as exc:
            raise self._missing() from exc
        if not versions:
            raise self._missing()
        return sorted(versions, key=lambda v: v.version)

    def read(self) -> Recorded:
        """The recorded failed versions; none if the record parameter does not exist yet."""
        ssm = self._ssm
        try:
            response = self._retry.call(lambda: ssm.get_parameter(Name=self.record_parameter))
        except ssm.exceptions.ParameterNotFound:
            return {}
        return parse_record(response["Parameter"]["Value"], self.record_parameter)

    @staticmethod
    def failed(history: Iterable[Version], recorded: Recorded) -> set[int]:
        """Versions of failed releases: recorded ones that still match, and legacy labels."""
        return {
            v.version
            for v in history
            if v.legacy_labels or _matches(recorded.get(v.version), v.value)
        }

    def record(self, history: list[Version], versions: set[int], recorded: Recorded) -> bool:
        """Add ``versions`` to the record; True if the record parameter was written."""
        by_number = {v.version: v for v in history}
        merged = {
            number: prefix
            for number, prefix in recorded.items()
            if number in by_number and _matches(prefix, by_number[number].value)
        }
        for number in versions:
            merged[number] = by_number[number].value[:TAG_PREFIX_LENGTH]
        if merged == recorded:
            return False
        value = json.dumps(
            {"schema": RECORD_SCHEMA, "failed": [[n, merged[n]] for n in sorted(merged)]},
            separators=(",", ":"),
        )
        self._retry.call(
            lambda: self._ssm.put_parameter(
                Name=self.record_parameter, Value=value, Type="String", Overwrite=True
            )
        )
        return True

    def migrate_labels(self, history: list[Version], recorded: Recorded) -> list[int]:
        """Move ``release-failed-v*`` labels into the record, then remove them.

        The record is written first, so a reader sees each failed version marked one
        way or the other at every moment. Returns the versions migrated.
        """
        labelled = [v for v in history if v.legacy_labels]
        if not labelled:
            return []
        self.record(history, {v.version for v in labelled}, recorded)
        ssm = self._ssm
        for v in labelled:
            labels = list(v.legacy_labels)
            self._retry.call(
                lambda v=v, labels=labels: ssm.unlabel_parameter_version(  # type: ignore[misc]
                    Name=self.tag_parameter, ParameterVersion=v.version, Labels=labels
                )
            )
        self._progress(
            self.tag_parameter,
            f"moved failure labels of version(s) {', '.join(str(v.version) for v in labelled)} "
            f"to {self.record_parameter}",
        )
        return [v.version for v in labelled]


def _matches(prefix: str | None, value: str) -> bool:
    return prefix is not None and value[:TAG_PREFIX_LENGTH] == prefix


def parse_record(text: str, name: str) -> Recorded:
    """Validate a record value; an unreadable record is refused, never taken as empty."""
    try:
        data: Any = json.loads(text)
        if not isinstance(data, dict) or data.get("schema") != RECORD_SCHEMA:
            raise ValueError(f"expected schema {RECORD_SCHEMA}")
        entries = data["failed"]
        if not isinstance(entries, list):
            raise ValueError("`failed` must be a list")
        recorded: Recorded = {}
        for entry in entries:
            number, prefix = entry
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise ValueError(f"bad version {number!r}")
            if not isinstance(prefix, str):
                raise ValueError(f"bad tag {prefix!r}")
            recorded[number] = prefix
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidTargetError(
            f"failed-release record {name} is unreadable ({exc}); it lists the tag versions "
            "rollback must skip, so it is not ignored. Fix its value "
            '({"schema": 1, "failed": [[<version>, "<tag>"], ...]}) or delete it if no '
            "release has failed"
        ) from exc
    return recorded
