"""The report JSON of both example stacks, pinned: a refactor of the comparison must not move it.

Regenerate deliberately, after a change that is meant to alter the comparison, with
``CDK_PARITY_UPDATE_GOLDEN=1 python -m pytest tests/cdk_parity/test_golden.py`` and
commit the new file with a message that says why it changed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from cdk_parity.compare.run import Run
from cdk_parity.report import render

GOLDEN = Path(__file__).with_name("golden") / "report.json"

#: Fields that measure this machine, not the comparison.
_TIMING_KEYS = frozenset(
    {
        "pulumiSeconds",
        "cdkSynthSeconds",
        "seconds",
        "timing",
        "peakMemoryBytes",
        "wholeProcessBenchmark",
    }
)
_NUMBERS = (
    (re.compile(r"^(whole process, \w+): .*$"), r"\1: <recorded benchmark>"),
    (re.compile(r"\d+\.\d+s\b"), "<seconds>"),
    (re.compile(r"\d+\.\d+x\b"), "<ratio>"),
    (re.compile(r"\d+ MiB\b"), "<MiB>"),
    (re.compile(r"(lines of code: Pulumi program )\d+(, CDK app )\d+"), r"\1<n>\2<n>"),
)


def _line(text: str) -> str:
    for pattern, replacement in _NUMBERS:
        text = pattern.sub(replacement, text)
    return text


def scrub(value: Any) -> Any:
    """The report with its timings and line counts replaced by placeholders.

    Only the measured fields and the summary lines are touched: a key or a property
    value that happens to look like a duration stays as it is.
    """
    if isinstance(value, dict):
        return {
            key: "<measured>"
            if key in _TIMING_KEYS
            else [_line(line) for line in item]
            if key == "summary"
            else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def test_scrub_replaces_only_measurements() -> None:
    line = "dev: Pulumi offline evaluation 1.49s, CDK synth 7.28s (CDK/Pulumi 4.9x, warm)"
    assert scrub({"seconds": 3.2, "summary": [line], "pairs": [{"key": "a-1.5s-b"}]}) == {
        "seconds": "<measured>",
        "summary": [
            "dev: Pulumi offline evaluation <seconds>, CDK synth <seconds> "
            "(CDK/Pulumi <ratio>, warm)"
        ],
        "pairs": [{"key": "a-1.5s-b"}],
    }


def test_report_json_matches_the_golden_file(parity_run: Run) -> None:
    actual = scrub(json.loads(json.dumps(render.as_json(parity_run), default=str)))
    if os.environ.get("CDK_PARITY_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert actual == expected, (
        "the report changed; if that is intended, regenerate the golden file "
        "(see this module's docstring) and say why in the commit"
    )


def folded(parity_run: Run) -> dict[str, list[dict[str, Any]]]:
    """Per stack, what each normalised entry folded in: the report JSON does not show it."""
    return {
        stack_run.stack: sorted(
            (
                {
                    "side": r.side,
                    "kind": r.kind,
                    "key": r.key,
                    "sources": sorted(r.sources),  # Pulumi registers in no fixed order
                    "types": list(r.types),
                }
                for r in [*stack_run.pulumi, *stack_run.cdk]
            ),
            key=lambda entry: (entry["side"], entry["kind"], entry["key"]),
        )
        for stack_run in parity_run.runs
    }


def test_folded_sources_match_the_golden_file(parity_run: Run) -> None:
    path = GOLDEN.with_name("sources.json")
    actual = folded(parity_run)
    if os.environ.get("CDK_PARITY_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, indent=1) + "\n", encoding="utf-8")
    assert actual == json.loads(path.read_text(encoding="utf-8"))
