"""Size metrics measured in the same run: lines of code per side."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The Pulumi program: what a team writes and reviews. The offline plan is tooling.
PULUMI_SOURCES = ("infra_pulumi/*.py", "infra_pulumi/components/*.py")
PULUMI_EXCLUDE = ("infra_pulumi/plan/*",)
#: The CDK app. It reuses the Pulumi side's config model and naming, which are not counted
#: again; the synth command and this comparison are tooling.
CDK_SOURCES = ("cdk_parity/*.py", "cdk_parity/reference/*.py")
CDK_EXCLUDE = ("cdk_parity/__main__.py", "cdk_parity/reference/synth.py")


def files(patterns: Iterable[str], exclude: Iterable[str], root: Path = ROOT) -> list[Path]:
    excluded = {p for pattern in exclude for p in root.glob(pattern)}
    return sorted({p for pattern in patterns for p in root.glob(pattern)} - excluded)


def code_lines(path: Path) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    source = path.read_text(encoding="utf-8")
    lines: set[int] = set()
    previous = tokenize.INDENT
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind = token.type
        if kind in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                    tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER):  # fmt: skip
            if kind != tokenize.COMMENT:
                previous = kind
            continue
        # A string that starts a logical line on its own is a docstring.
        if kind == tokenize.STRING and previous in (
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
        ):
            previous = tokenize.NEWLINE
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
        previous = kind
    return len(lines)


def lines_of_code(patterns: Iterable[str], exclude: Iterable[str], root: Path = ROOT) -> int:
    return sum(code_lines(path) for path in files(patterns, exclude, root))
