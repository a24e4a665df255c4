"""mypy analyses every aws_cdk module the CDK reference uses (pyproject.toml skips the rest)."""

from __future__ import annotations

import ast

from cdk_parity.reference.config import PROJECT_ROOT
from tests.mypy_overrides import followed_modules


def _used() -> set[str]:
    """aws_cdk submodules imported by the reference and its tests (read with ``ast``)."""
    used: set[str] = set()
    for path in [*PROJECT_ROOT.glob("cdk_parity/**/*.py"), *PROJECT_ROOT.glob("tests/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "aws_cdk":
                used |= {
                    f"aws_cdk.{a.name}"
                    for a in node.names
                    if a.name.startswith("aws_") or a.name.islower()
                }
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_cdk."):
                used.add(str(node.module))
            elif isinstance(node, ast.Import):
                used |= {a.name for a in node.names if a.name.startswith("aws_cdk.")}
    return used


def test_every_aws_cdk_module_the_reference_uses_is_type_checked() -> None:
    used = _used()
    assert "aws_cdk.aws_ecr" in used
    assert "aws_cdk.assertions" in used
    missing = sorted(used - followed_modules())
    assert missing == [], (
        f"add {missing} to the follow_imports='normal' override in pyproject.toml; "
        "otherwise mypy types them as Any and checks nothing about them"
    )
