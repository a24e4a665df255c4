"""mypy analyses every pulumi_aws module the program uses (pyproject.toml skips the rest)."""

from __future__ import annotations

import re

from infra_pulumi.plan.runner import PROJECT_ROOT
from tests.mypy_overrides import followed_modules


def _used() -> set[str]:
    """pulumi_aws modules the program and its tests reach as ``aws.<module>``."""
    used: set[str] = set()
    for path in [*PROJECT_ROOT.glob("infra_pulumi/**/*.py"), *PROJECT_ROOT.glob("tests/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        if "pulumi_aws" not in text:
            continue
        for name in re.findall(r"\baws\.([a-z_][a-z0-9_]*)\b", text):
            if name.startswith("get_"):
                # get_x and get_x_output both live in the module pulumi_aws.get_x
                used.add(f"pulumi_aws.{name.removesuffix('_output')}")
            else:
                used.add(f"pulumi_aws.{name}.*")
    return used


def test_every_pulumi_aws_module_the_program_uses_is_type_checked() -> None:
    used = _used()
    assert "pulumi_aws.ecr.*" in used
    assert "pulumi_aws.get_caller_identity" in used
    missing = sorted(used - followed_modules())
    assert missing == [], (
        f"add {missing} to the follow_imports='normal' override in pyproject.toml; "
        "otherwise mypy types them as Any and checks nothing about them"
    )
