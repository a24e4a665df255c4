"""Stacks whose names extend each other (prod, prod-eu) share the IAM name patterns of the
shorter one: refused in one account, by the program and by the CDK reference alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk_parity.reference.config import load_stack_config
from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan import evaluate
from infra_pulumi.plan.mocks import EXAMPLE_ACCOUNT
from infra_pulumi.plan.runner import PROJECT_ROOT
from infra_pulumi.stack_overlap import check_stack_overlap, extends
from tests.infra.project_copy import copy_project, edit_config, link_program

OTHER_ACCOUNT = "210987654321"


@pytest.mark.parametrize(
    ("stack", "other", "overlap"),
    [
        ("prod", "prod-eu", True),
        ("prod-eu", "prod", True),
        ("prod", "prod-eu-west", True),
        ("prod", "production", False),  # the prefix is <project>-prod-*: a '-' follows
        ("prod", "prod_eu", False),
        ("prod", "eu-prod", False),
        ("dev", "prod", False),
        ("prod", "prod", False),
    ],
)
def test_a_name_extends_another_only_through_a_hyphen(
    stack: str, other: str, overlap: bool
) -> None:
    assert extends(stack, other) is overlap


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The checkout's project and stack files, plus prod-eu copied from prod."""
    return copy_project(tmp_path, prod_eu="prod")


def pin(project: Path, stack: str, *accounts: str) -> None:
    edit_config(
        project, stack, lambda config: config.update({"aws:allowedAccountIds": list(accounts)})
    )


def test_an_unpinned_sibling_is_refused_naming_both_stacks_the_reason_and_the_fixes(
    project: Path,
) -> None:
    with pytest.raises(ConfigError) as refused:
        check_stack_overlap("container-delivery", "prod", EXAMPLE_ACCOUNT, project)
    assert str(refused.value) == (
        f"stacks prod and prod-eu of project container-delivery may share account "
        f"{EXAMPLE_ACCOUNT} (Pulumi.prod-eu.yaml pins no account (aws:allowedAccountIds)). "
        "The deploy role and the permissions boundary name prod's roles, functions and "
        "builds by the prefix container-delivery-prod-*, which also matches every name of "
        "prod-eu, so prod's deploy could rewrite prod-eu's roles and run its builds. Deploy "
        "them to different accounts and pin each stack's account with aws:allowedAccountIds "
        "in its stack file, or rename one so that neither name is the other's followed by '-' "
        "(e.g. eu-prod)"
    )
    # The longer stack is refused too, by the shorter one's file.
    with pytest.raises(ConfigError, match=r"stacks prod-eu and prod .*\(Pulumi.prod.yaml pins no"):
        check_stack_overlap("container-delivery", "prod-eu", EXAMPLE_ACCOUNT, project)


def test_a_sibling_pinned_to_another_account_is_fine(project: Path) -> None:
    pin(project, "prod-eu", OTHER_ACCOUNT)
    check_stack_overlap("container-delivery", "prod", EXAMPLE_ACCOUNT, project)


def test_a_sibling_pinned_to_this_account_is_refused(project: Path) -> None:
    pin(project, "prod-eu", OTHER_ACCOUNT, EXAMPLE_ACCOUNT)
    with pytest.raises(ConfigError, match=r"pins aws:allowedAccountIds \['210987654321', "):
        check_stack_overlap("container-delivery", "prod", EXAMPLE_ACCOUNT, project)


def test_a_malformed_account_list_names_the_file(project: Path) -> None:
    edit_config(project, "prod-eu", lambda c: c.update({"aws:allowedAccountIds": OTHER_ACCOUNT}))
    with pytest.raises(
        ConfigError, match=r"Pulumi.prod-eu.yaml: aws:allowedAccountIds must be a list"
    ):
        check_stack_overlap("container-delivery", "prod", EXAMPLE_ACCOUNT, project)


def test_the_shipped_stacks_do_not_overlap() -> None:
    for stack in ("dev", "prod"):
        check_stack_overlap("container-delivery", stack, EXAMPLE_ACCOUNT, PROJECT_ROOT)


def test_the_program_refuses_before_planning_anything(project: Path) -> None:
    link_program(project)
    with pytest.raises(ConfigError, match=r"stacks prod and prod-eu of project"):
        evaluate("prod", project_dir=project)
    pin(project, "prod-eu", OTHER_ACCOUNT)
    assert evaluate("dev", project_dir=project).resources


def test_the_cdk_reference_refuses_the_same(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"stacks prod-eu and prod of project"):
        load_stack_config("prod-eu", project_dir=project)
    pin(project, "prod", OTHER_ACCOUNT)
    assert load_stack_config("prod-eu", project_dir=project).stack_name.endswith("prod-eu")
