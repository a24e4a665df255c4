"""The CDK reference shares the Pulumi program's inputs, never the rules it is meant to check.

What each part of ``cdk_parity`` may import from ``infra_pulumi``:

- ``cdk_parity/reference/config.py`` and ``cdk_parity/reference/naming.py``, the two
  adapters: the stack file with its validated config model (``stack_config``,
  ``exceptions``, the stack-file reader in ``plan.runner``, and ``stack_overlap``, which
  refuses stack files whose names share IAM patterns in one account) and the physical-name
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

import shutil
from pathlib import Path

from tests.cdk_parity.imports import imports_of

ROOT = Path(__file__).resolve().parents[2]

ADAPTERS = {
    "cdk_parity/reference/config.py": {
        "infra_pulumi.exceptions",
        "infra_pulumi.plan.runner",
        "infra_pulumi.stack_config",
        "infra_pulumi.stack_overlap",
    },
    "cdk_parity/reference/naming.py": {"infra_pulumi.naming"},
}


def _infra(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "infra_pulumi" or m.startswith("infra_pulumi.")}


def _module_file(name: str, root: Path = ROOT) -> Path | None:
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def closure(start: set[str], root: Path = ROOT) -> set[str]:
    """``infra_pulumi`` modules reachable from ``start`` through static imports."""
    seen: set[str] = set()
    pending = [m for m in start if _module_file(m, root)]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        parents = {".".join(parts[:i]) for i in range(1, len(parts))}
        path = _module_file(name, root)
        assert path is not None
        pending += [m for m in _infra(imports_of(path)) | parents if _module_file(m, root)]
    return seen


def offenders(root: Path = ROOT) -> dict[str, list[str]]:
    """Per module of ``root/cdk_parity``, the ``infra_pulumi`` imports its room forbids."""
    found = {}
    for path in sorted((root / "cdk_parity").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        used = _infra(imports_of(path))
        if relative.startswith("cdk_parity/compare/"):
            allowed = {
                m for m in used if m == "infra_pulumi.plan" or m.startswith("infra_pulumi.plan.")
            }
        else:
            allowed = {m for m in used if m in ADAPTERS.get(relative, set()) or any(
                m.startswith(f"{a}.") for a in ADAPTERS.get(relative, set()))}  # fmt: skip
        if used - allowed:
            found[relative] = sorted(used - allowed)
    return found


def leaked(root: Path = ROOT) -> list[str]:
    """Modules of the Pulumi program's rules that the adapters reach."""
    reached = closure(set().union(*ADAPTERS.values()), root)
    assert {"infra_pulumi.naming", "infra_pulumi.stack_config"} <= reached
    return sorted(m for m in reached if m.startswith("infra_pulumi.components") or m in (
        "infra_pulumi.__main__", "infra_pulumi.image_tags"))  # fmt: skip


def test_only_the_adapters_import_infra_pulumi() -> None:
    assert offenders() == {}, (
        "the CDK reference must not share rules with the Pulumi program; import inputs "
        "through cdk_parity/reference/config.py or cdk_parity/reference/naming.py: "
        f"{offenders()}"
    )


def test_the_adapters_reach_no_component_of_the_pulumi_program() -> None:
    assert leaked() == []


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


def _copy(tmp_path: Path, *names: str) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "cdk.out")
    for name in names:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_check_fails_on_imports_planted_in_a_copy(tmp_path: Path) -> None:
    """A rule borrowed by the stack (lazily), and a component borrowed by the comparison:
    both named; the adapters' own inputs still pass."""
    root = _copy(tmp_path, "cdk_parity")
    _append(
        root / "cdk_parity/reference/stack.py",
        "\n\ndef _borrowed() -> object:\n"
        "    from infra_pulumi.components.ecr import lifecycle_policy\n\n"
        "    return lifecycle_policy\n",
    )
    _append(root / "cdk_parity/compare/kinds/ecr.py", "\nimport infra_pulumi.components.ecr\n")
    assert offenders(root) == {
        "cdk_parity/compare/kinds/ecr.py": ["infra_pulumi.components.ecr"],
        "cdk_parity/reference/stack.py": [
            "infra_pulumi.components.ecr",
            "infra_pulumi.components.ecr.lifecycle_policy",
        ],
    }


def test_the_check_fails_when_an_adapter_input_reaches_a_component(tmp_path: Path) -> None:
    """The naming module starting to import a component leaks it into the reference."""
    root = _copy(tmp_path, "infra_pulumi")
    _append(root / "infra_pulumi/naming.py", "\nfrom infra_pulumi.components import ecr\n")
    assert "infra_pulumi.components.ecr" in leaked(root)
