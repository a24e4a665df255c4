"""Every shell and Python example in the README and docs/ is classified, and the offline
ones run, so the docs cannot drift from the code.

An example is a fenced ``sh``, ``bash`` or ``python`` block. The line before it says what
it needs, as an HTML comment (invisible on GitHub):

- ``<!-- example: offline -->``: this test runs it (shell from a scratch directory with
  the virtualenv's interpreter as ``.venv/bin/python``; Python with this interpreter);
- ``<!-- example: ci -->``: exactly the commands ``.ci/run`` runs, which is what checks
  them; this test checks that each is in ``.ci/run``;
- ``<!-- example: <anything else> -->``: needs what it says (AWS credentials, a Docker
  daemon, the Pulumi CLI, minutes); this test checks its syntax only.

A ``json`` block must parse.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra_pulumi.plan.runner import PROJECT_ROOT

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_MARKER = re.compile(r"<!-- example: (.+?) -->\s*$")


@dataclass(frozen=True)
class Example:
    path: Path
    line: int
    language: str
    code: str
    marker: str | None

    @property
    def id(self) -> str:
        return f"{self.path.name}:{self.line}"


def examples() -> list[Example]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            marker = _MARKER.search(before)
            found.append(
                Example(path, line, match.group(1), match.group(2), marker and marker.group(1))
            )
    return found


CODE = [e for e in examples() if e.language in ("sh", "bash", "python")]


def test_the_examples_are_found() -> None:
    markers = {e.marker for e in CODE}
    assert {"offline", "ci"} <= markers
    assert len(CODE) >= 8


@pytest.mark.parametrize("example", CODE, ids=lambda e: e.id)
def test_every_example_says_what_it_needs(example: Example) -> None:
    assert example.marker, (
        f"{example.id}: put <!-- example: offline|ci|<what it needs> --> on the line "
        "before the block"
    )


OFFLINE = [e for e in CODE if e.marker == "offline"]


@pytest.mark.parametrize("example", OFFLINE, ids=lambda e: e.id)
def test_offline_examples_run(example: Example, tmp_path: Path) -> None:
    if example.language == "python":
        command = [sys.executable, "-c", example.code]
    else:
        (tmp_path / ".venv").symlink_to(Path(sys.prefix))
        command = ["bash", "-euo", "pipefail", "-c", example.code]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{example.id}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize(
    "example", [e for e in CODE if e.marker not in ("offline", "ci")], ids=lambda e: e.id
)
def test_other_examples_are_valid_syntax(example: Example) -> None:
    if example.language == "python":
        compile(example.code, example.id, "exec")
        return
    result = subprocess.run(
        ["bash", "-n", "-c", example.code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{example.id}: {result.stderr}"


@pytest.mark.parametrize("example", [e for e in CODE if e.marker == "ci"], ids=lambda e: e.id)
def test_ci_examples_are_what_ci_runs(example: Example) -> None:
    # .ci/run adds --quiet to pip; otherwise the commands are the same text.
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8").replace(" --quiet", "")
    for line in example.code.splitlines():
        command = line.split("  #", 1)[0].strip()
        if not command:
            continue
        for part in command.split(" && "):
            assert part.strip() in ci, f"{example.id}: `{part.strip()}` is not in .ci/run"


@pytest.mark.parametrize(
    "example", [e for e in examples() if e.language == "json"], ids=lambda e: e.id
)
def test_json_blocks_parse(example: Example) -> None:
    json.loads(example.code)


def test_the_readme_sample_plan_has_the_columns_the_plan_prints(tmp_path: Path) -> None:
    """The Quickstart shows the tags table as `python -m infra_pulumi.plan` prints it."""
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra_pulumi.plan",
            "--stack",
            "dev",
            "--json",
            str(tmp_path / "p.json"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout

    def header(text: str) -> list[str]:
        line = next(row for row in text.splitlines() if row.startswith("┃ image"))
        return [cell.strip() for cell in line.strip("┃").split("┃")]

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert header(readme) == header(shown)
