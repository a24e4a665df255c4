"""Stack files as a user adds and edits them, in a project folder of the test's own: a
new stack file (``Pulumi.ci.yaml``) is listed wherever stacks are named, and a misspelt
provider key in a file is refused by the program and by the CDK reference alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk_parity.reference.config import load_stack_config
from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan import evaluate
from infra_pulumi.plan.runner import stack_config, stacks
from tests.infra.project_copy import copy_project, edit_config, link_program


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The checkout's project file and stack files, plus a ``ci`` stack copied from dev."""
    return copy_project(tmp_path, ci="dev")


def misspell_region(project: Path, stack: str) -> None:
    edit_config(
        project, stack, lambda config: config.update({"aws:regin": config.pop("aws:region")})
    )


def test_a_new_stack_file_is_listed_among_the_stacks(project: Path) -> None:
    assert stacks(project) == ["ci", "dev", "prod"]
    with pytest.raises(ConfigError, match=r"the stacks here are: ci, dev, prod$"):
        stack_config("staging", project)


def test_a_new_stack_file_is_read_like_the_others(project: Path) -> None:
    assert stack_config("ci", project) == stack_config("dev", project)


def test_a_misspelt_provider_key_in_a_stack_file_stops_the_program(project: Path) -> None:
    link_program(project)
    misspell_region(project, "ci")
    with pytest.raises(
        ConfigError, match=r"aws:regin: not a config key of the AWS provider; did you mean region\?"
    ):
        evaluate("ci", project_dir=project)


def test_the_cdk_reference_refuses_the_same_misspelt_key(project: Path) -> None:
    assert load_stack_config("ci", project_dir=project).region == "ap-northeast-1"
    misspell_region(project, "ci")
    with pytest.raises(
        ConfigError, match=r"aws:regin: not a config key of the AWS provider; did you mean region\?"
    ):
        load_stack_config("ci", project_dir=project)


def test_the_cdk_reference_refuses_a_promote_from_region_other_than_the_stacks(
    project: Path,
) -> None:
    """The CDK reference reads the stack's aws:region into the config as the program does,
    so the program's promoteFrom.region check runs on its side too."""
    assert load_stack_config("prod", project_dir=project).config.region == "ap-northeast-1"
    other = {"promoteFrom": {"stack": "dev", "region": "us-east-1"}}
    with pytest.raises(
        ConfigError,
        match=r"promoteFrom.region is 'us-east-1' but this stack's aws:region is "
        r"'ap-northeast-1': Lambda pulls a container image only",
    ):
        load_stack_config("prod", project_dir=project, overrides=other)
