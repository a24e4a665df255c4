"""What pyproject.toml tells mypy to analyse: the modules with ``follow_imports = "normal"``.

The project skips the unused parts of two very large libraries (pulumi_aws, aws_cdk) and
lists the modules it uses; ``tests/infra/test_typing.py`` and
``tests/cdk_parity/test_typing.py`` check that list against the code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def followed_modules() -> set[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    followed: set[str] = set()
    for override in config["tool"]["mypy"]["overrides"]:
        if override.get("follow_imports") == "normal":
            followed |= set(override["module"])
    return followed
