"""Image tags: the first 7 characters of the commit, as the talk's pipeline assigns them."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from app.deploy.exceptions import MalformedTagError, NotAGitRepositoryError

TAG_LENGTH = 7
_HEX = re.compile(r"[0-9a-f]{7,40}")

CODEBUILD_SOURCE_ENV = "CODEBUILD_RESOLVED_SOURCE_VERSION"


def validate_tag(tag: str, what: str = "image tag") -> str:
    """Return ``tag`` if it is 7 to 40 lowercase hex characters, else raise.

    Release tags are commit prefixes; anything else (``latest``, the placeholder
    ``initial``, a branch name) is refused rather than rolled out.
    """
    if not _HEX.fullmatch(tag):
        raise MalformedTagError(
            f"{what} {tag!r} is malformed: expected 7 to 40 lowercase hex characters "
            "(a commit id or its prefix)"
        )
    return tag


def current_tag(env: Mapping[str, str], cwd: Path | None = None) -> str:
    """The tag for the code being built: CodeBuild's resolved commit, else ``git rev-parse``."""
    commit = env.get(CODEBUILD_SOURCE_ENV, "").strip()
    if commit:
        return validate_tag(commit, f"commit {CODEBUILD_SOURCE_ENV}")[:TAG_LENGTH]
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise NotAGitRepositoryError(
            f"{CODEBUILD_SOURCE_ENV} is not set and git is not installed; "
            "run inside a git checkout or set the variable"
        ) from exc
    if result.returncode != 0:
        raise NotAGitRepositoryError(
            f"{CODEBUILD_SOURCE_ENV} is not set and `git rev-parse HEAD` failed "
            f"in {cwd or Path.cwd()}: {result.stderr.strip()}"
        )
    return validate_tag(result.stdout.strip(), "commit from git rev-parse HEAD")[:TAG_LENGTH]
