"""The CDK reference shares the Pulumi program's inputs, never the rules it is meant to check.

What each part of ``cdk_parity`` may import from ``infra_pulumi``:

- ``cdk_parity/reference/config.py`` and ``cdk_parity/reference/naming.py``, the two
  adapters: the stack file with its validated config model (``stack_config``,
  ``exceptions``, the stack-file reader in ``plan.runner``) and the physical-name
  convention (``naming``). These are the inputs both sides must agree on; the
  comparison pairs resources by those names.
- ``cdk_parity/compare/``: ``infra_pulumi.plan`` only. The comparison *runs* the Pulumi
  program offline to see what it would create: that evaluates the subject, it does not
  borrow its rules. It may not import a component, a policy builder or a constant.
- every other module (the CDK stack, its constructs, the tag lookup, the report, the
  CLI): nothing. Policies, patterns, lifecycle rules, the manifest are written there
  from the talk and AWS's and CDK's documentation, so a mistake on the Pulumi side
  shows up as a difference instead of appearing on both sides.

The adapters' own imports are followed inside ``infra_pulumi`` too, so a helper that
starts importing a component would leak it into the reference and fail here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cdk_parity"

ADAPTERS = {
    "cdk_parity/reference/config.py": {
        "infra_pulumi.exceptions",
        "infra_pulumi.plan.runner",
        "infra_pulumi.stack_config",
    },
    "cdk_parity/reference/naming.py": {"infra_pulumi.naming"},
}


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, statically or through importlib with a literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args:
            name = ast.unparse(node.func)
            argument = node.args[0]
            if name in ("importlib.import_module", "import_module", "__import__") and isinstance(
                argument, ast.Constant
            ):
                found.add(str(argument.value))
    return found


def _infra(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "infra_pulumi" or m.startswith("infra_pulumi.")}


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def closure(start: set[str]) -> set[str]:
    """``infra_pulumi`` modules reachable from ``start`` through static imports."""
    seen: set[str] = set()
    pending = [m for m in start if _module_file(m)]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        parents = {".".join(parts[:i]) for i in range(1, len(parts))}
        path = _module_file(name)
        assert path is not None
        pending += [m for m in _infra(imports_of(path)) | parents if _module_file(m)]
    return seen


def test_only_the_adapters_import_infra_pulumi() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        used = _infra(imports_of(path))
        if relative.startswith("cdk_parity/compare/"):
            allowed = {
                m for m in used if m == "infra_pulumi.plan" or m.startswith("infra_pulumi.plan.")
            }
        else:
            allowed = {m for m in used if m in ADAPTERS.get(relative, set()) or any(
                m.startswith(f"{a}.") for a in ADAPTERS.get(relative, set()))}  # fmt: skip
        if used - allowed:
            offenders[relative] = sorted(used - allowed)
    assert offenders == {}, (
        "the CDK reference must not share rules with the Pulumi program; import inputs "
        f"through cdk_parity/reference/config.py or cdk_parity/reference/naming.py: {offenders}"
    )


def test_the_adapters_reach_no_component_of_the_pulumi_program() -> None:
    start = set().union(*ADAPTERS.values())
    reached = closure(start)
    assert {"infra_pulumi.naming", "infra_pulumi.stack_config"} <= reached
    leaked = sorted(m for m in reached if m.startswith("infra_pulumi.components") or m in (
        "infra_pulumi.__main__", "infra_pulumi.image_tags"))  # fmt: skip
    assert leaked == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "stack.py"
    module.write_text(
        "from infra_pulumi.components.ecr import HEX_PREFIXES\n"
        "import importlib\nx = importlib.import_module('infra_pulumi.components.iam')\n"
    )
    assert _infra(imports_of(module)) == {
        "infra_pulumi.components.ecr",
        "infra_pulumi.components.ecr.HEX_PREFIXES",
        "infra_pulumi.components.iam",
    }
