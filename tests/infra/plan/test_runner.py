"""The offline runner runs the program exactly as Pulumi's Python host does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import released
from infra_pulumi.plan.runner import PROJECT_ROOT, program_directory

#: Input properties, per resource type, that a provider reads as file paths.
FILE_PATH_INPUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "docker:index/image:Image": (("build", "context"), ("build", "dockerfile")),
}


def test_program_runs_in_the_main_folder_with_the_project_root_as_root_directory(
    tmp_path: Path,
) -> None:
    """What Pulumi's conformance test l1-builtin-project-root-main asserts of the host."""
    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\nmain: program/\n")
    program = tmp_path / "program"
    program.mkdir()
    (program / "__main__.py").write_text(
        "import os\nimport pulumi\n"
        "pulumi.export('cwd', os.getcwd())\n"
        "pulumi.export('root', pulumi.get_root_directory())\n"
    )
    plan = evaluate("probe", project_dir=tmp_path, use_stack_file=False)
    assert plan.outputs == {"cwd": str(program.resolve()), "root": str(tmp_path)}


def test_program_directory_is_the_main_folder_of_pulumi_yaml() -> None:
    assert program_directory() == PROJECT_ROOT / "infra_pulumi"


def _value(inputs: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = inputs
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_file_path_handed_to_a_provider_exists_from_the_working_directory(
    stack: str,
) -> None:
    plan: Plan = evaluate(stack, invokes=released("abc1234"))
    working_directory = program_directory()
    checked = 0
    for resource in plan.resources:
        for path in FILE_PATH_INPUTS.get(resource.type, ()):
            value = _value(resource.inputs, path)
            assert isinstance(value, str), f"{resource.urn}: {'.'.join(path)} is {value!r}"
            # A provider resolves a relative path from the program's working directory.
            resolved = working_directory / value
            assert resolved.exists(), (
                f"{resource.urn}: {'.'.join(path)} = {value!r} does not exist from the "
                f"program's working directory {working_directory}"
            )
            checked += 1
    assert checked == 4, "expected two placeholder builds with a context and a Dockerfile"


def test_a_yaml_syntax_error_is_one_line_with_file_line_and_column(tmp_path: Path) -> None:
    from infra_pulumi.exceptions import ConfigError
    from infra_pulumi.plan.runner import stack_config

    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  probe:web:\n    cpu: [256\n")
    with pytest.raises(ConfigError) as info:
        stack_config("dev", tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Pulumi.dev.yaml:4:1: "), message


def test_a_misspelt_key_in_the_stack_file_stops_the_program() -> None:
    from infra_pulumi.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"ecrKeepImage: .*did you mean ecrKeepImages"):
        evaluate("dev", config={"ecrKeepImage": 30})


def test_the_same_program_gives_the_same_plan_document() -> None:
    """Registration and dependency order vary from run to run (outputs settle as they
    will); the document sorts both, so a plan diffs cleanly against the last one."""
    first, second = (evaluate("prod", invokes=released("abc1234")).to_json() for _ in range(2))
    assert [r["urn"] for r in first["resources"]] == sorted(r["urn"] for r in first["resources"])
    assert first == second
