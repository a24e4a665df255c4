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
from infra_pulumi.stack_config import parse_config
from infra_pulumi.stack_overlap import check_config_stages, check_stack_overlap, extends
from tests.infra.project_copy import copy_project, edit_config, link_program

OTHER_ACCOUNT = "210987654321"
PROJECT = "container-delivery"


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


def test_an_unreadable_sibling_file_names_it_and_what_to_do(project: Path) -> None:
    (project / "Pulumi.prod-eu.yaml").write_text("config: [unclosed\n", encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"^Pulumi.prod-eu.yaml:2:1: expected ',' or '\]', but got '<stream end>'. Stack "
        r"prod-eu's name extends this stack's, so its account must be known: fix the file, or "
        r"move it out of the project folder if that stack is gone$",
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


def test_a_stage_the_config_names_in_this_account_is_refused_without_its_file() -> None:
    """dev promoting to dev-eu in its own account (account left out): no file needed."""
    base = {"lambdaFunctions": '[{"name": "api", "command": ["api.handler"]}]'}
    config = parse_config({**base, "promotesTo": '[{"stack": "dev-eu"}]'}, PROJECT, "dev")
    with pytest.raises(ConfigError) as refused:
        check_config_stages(config, EXAMPLE_ACCOUNT)
    assert str(refused.value).startswith(
        f"stacks dev and dev-eu of project {PROJECT} share account {EXAMPLE_ACCOUNT} "
        f"({PROJECT}:promotesTo names dev-eu in it). The deploy role and the permissions "
        f"boundary name dev's roles, functions and builds by the prefix {PROJECT}-dev-*"
    )
    promoted = parse_config({**base, "promoteFrom": '{"stack": "prod"}'}, PROJECT, "prod-eu")
    with pytest.raises(ConfigError, match=rf"{PROJECT}:promoteFrom names prod in it"):
        check_config_stages(promoted, EXAMPLE_ACCOUNT)


def test_a_named_stage_in_another_account_or_not_extending_is_fine() -> None:
    base = {"lambdaFunctions": '[{"name": "api", "command": ["api.handler"]}]'}
    elsewhere = f'[{{"stack": "dev-eu", "account": "{OTHER_ACCOUNT}"}}, {{"stack": "prod"}}]'
    check_config_stages(
        parse_config({**base, "promotesTo": elsewhere}, PROJECT, "dev"), EXAMPLE_ACCOUNT
    )
