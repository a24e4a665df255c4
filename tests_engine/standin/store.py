"""The stand-in providers' "cloud" (a JSON file) and their record of calls (JSON lines).

Both live in files so that the engine's plugin processes and the tests share them: a test
reads what the engine asked a provider to do, and changes the cloud as something outside
Pulumi would (CodeDeploy moving an alias, the app pipeline writing a tag parameter).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Environment variables that name the files; the tests' fixture sets them for the engine.
CLOUD_ENV = "STANDIN_CLOUD"
RECORD_ENV = "STANDIN_RECORD"


def plain(value: Any) -> Any:
    """JSON-ready data from a protobuf Struct's values: integral doubles become ints."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside ``path``: the engine calls a provider from several threads,
    and a test may change the cloud between two engine runs."""
    with (path.parent / f"{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class CloudObject:
    """One resource as the stand-in's cloud holds it."""

    type: str
    id: str
    urn: str
    properties: dict[str, Any]


class Cloud:
    """Resources keyed by type and id, in one JSON file shared by every plugin process."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_env(cls) -> Cloud:
        return cls(Path(_required_env(CLOUD_ENV)))

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _save(self, data: dict[str, dict[str, Any]]) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)

    def put(self, obj: CloudObject) -> None:
        with _locked(self.path):
            data = self._load()
            data[f"{obj.type}::{obj.id}"] = {
                "type": obj.type,
                "id": obj.id,
                "urn": obj.urn,
                "properties": plain(obj.properties),
            }
            self._save(data)

    def get(self, typ: str, resource_id: str) -> CloudObject | None:
        with _locked(self.path):
            entry = self._load().get(f"{typ}::{resource_id}")
        return None if entry is None else CloudObject(**entry)

    def delete(self, typ: str, resource_id: str) -> bool:
        with _locked(self.path):
            data = self._load()
            found = data.pop(f"{typ}::{resource_id}", None) is not None
            self._save(data)
        return found

    def objects(self, typ: str | None = None) -> list[CloudObject]:
        with _locked(self.path):
            entries = list(self._load().values())
        return [CloudObject(**e) for e in entries if typ is None or e["type"] == typ]

    def change(self, typ: str, resource_id: str, **properties: Any) -> CloudObject:
        """Change a live resource's properties behind Pulumi's back (a test's "release")."""
        with _locked(self.path):
            data = self._load()
            key = f"{typ}::{resource_id}"
            if key not in data:
                have = sorted(k for k in data if k.startswith(f"{typ}::"))
                raise KeyError(f"the stand-in cloud has no {key}; it has {have}")
            data[key]["properties"].update(plain(properties))
            self._save(data)
            return CloudObject(**data[key])


class CallRecord:
    """Every call a stand-in provider answered, one JSON object a line, in call order."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_env(cls) -> CallRecord:
        return cls(Path(_required_env(RECORD_ENV)))

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(plain(entry), sort_keys=True)
        with _locked(self.path), self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with _locked(self.path):
            lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]

    def mark(self) -> int:
        """The number of entries so far: pass it to ``since`` to see one command's calls."""
        return len(self.entries())

    def since(self, mark: int) -> list[dict[str, Any]]:
        return self.entries()[mark:]


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(
            f"{name} is not set: the stand-in providers keep their cloud and their record "
            "in the files it names (tests_engine/conftest.py sets it)"
        )
    return value
