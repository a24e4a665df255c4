"""Two stacks of this project whose names extend each other may not share an account.

The deploy role's policy and the permissions boundary name a stack's roles, functions,
builds and task definitions by the prefix ``<project>-<stack>-*``: the roles must be
granted before they exist, and a new function or role of the stack must not need the
policy to change. Stack ``prod``'s prefix also matches every name of a stack ``prod-eu``
(``<project>-prod-eu-…``), so in one account prod's deploy role could rewrite prod-eu's
roles and start prod-eu's deploy build, which runs as prod-eu's deploy role. The prefix
ends in ``-`` on purpose, so ``prod`` and ``production`` do not overlap; stack names may
contain ``-`` (Pulumi allows letters, digits, ``-``, ``_`` and ``.``), so the names alone
cannot rule it out.

Hence the rule checked here: a stack whose name is another's followed by ``-`` and more
(either way round) must be in another account, pinned by ``aws:allowedAccountIds`` in
its stack file, so the program can see it. It reads the ``Pulumi.<stack>.yaml`` files in
the project folder, and the stages the config names (``promoteFrom``, ``promotesTo``,
whose accounts it gives); another stack whose file is elsewhere (config kept outside the
repository) is not seen, which the README says.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.yaml_files import read_yaml

if TYPE_CHECKING:
    from infra_pulumi.stack_config import StackConfig


def extends(stack: str, other: str) -> bool:
    """True if one name is the other followed by ``-`` and more (``prod``, ``prod-eu``)."""
    return stack.startswith(other + "-") or other.startswith(stack + "-")


def check_stack_overlap(project: str, stack: str, account: str, project_dir: Path) -> None:
    """Refuse a stack file in ``project_dir`` whose stack extends ``stack`` (or the other
    way round) unless its ``aws:allowedAccountIds`` leaves out ``account``."""
    for path in sorted(project_dir.glob("Pulumi.*.yaml")):
        other = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        if other == stack or not extends(stack, other):
            continue
        accounts = _allowed_accounts(path)
        if accounts is not None and account not in accounts:
            continue  # pinned to other accounts: the patterns cannot reach it
        pinned = (
            f"{path.name} pins aws:allowedAccountIds {accounts}, which include it"
            if accounts is not None
            else f"{path.name} pins no account (aws:allowedAccountIds)"
        )
        raise _overlap(project, stack, other, f"may share account {account} ({pinned})")


def check_config_stages(config: StackConfig, account: str) -> None:
    """Refuse a stage the config itself names (``promoteFrom``, ``promotesTo``) whose
    stack extends this one's and runs in this ``account``: its file may live elsewhere,
    but the config says where it runs (an omitted account is this stack's)."""
    named = [(f"{config.project}:promotesTo", t.stack, t.account) for t in config.promotes_to]
    if config.promote_from is not None:
        source = config.promote_from
        named.append((f"{config.project}:promoteFrom", source.stack, source.account))
    for key, other, other_account in named:
        if extends(config.stack, other) and (other_account or account) == account:
            raise _overlap(
                config.project,
                config.stack,
                other,
                f"share account {account} ({key} names {other} in it)",
            )


def _overlap(project: str, stack: str, other: str, where: str) -> ConfigError:
    longer, shorter = (other, stack) if other.startswith(stack + "-") else (stack, other)
    return ConfigError(
        f"stacks {stack} and {other} of project {project} {where}. The deploy role and "
        f"the permissions boundary name {shorter}'s roles, functions and builds by the "
        f"prefix {project}-{shorter}-*, which also matches every name of {longer}, so "
        f"{shorter}'s deploy could rewrite {longer}'s roles and run its builds. Deploy them "
        "to different accounts and pin each stack's account with aws:allowedAccountIds in "
        "its stack file, or rename one so that neither name is the other's followed by '-' "
        f"(e.g. {_renamed(longer, shorter)})"
    )


def _renamed(longer: str, shorter: str) -> str:
    """``prod-eu`` -> ``eu-prod``: the suffix first no longer extends ``prod``."""
    rest = longer.removeprefix(shorter + "-")
    return f"{rest}-{shorter}"


def _allowed_accounts(path: Path) -> list[str] | None:
    """The stack file's ``aws:allowedAccountIds`` as strings, or None if it sets none."""
    try:
        document: Any = read_yaml(path)
    except ConfigError as exc:
        raise ConfigError(
            f"{exc}. Stack {path.name[7:-5]}'s name extends this stack's, so its account must "
            "be known: fix the file, or move it out of the project folder if that stack is gone"
        ) from exc
    config = document.get("config") if isinstance(document, dict) else None
    value = config.get("aws:allowedAccountIds") if isinstance(config, dict) else None
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ConfigError(
            f"{path.name}: aws:allowedAccountIds must be a list of account IDs, got {value!r}"
        )
    return [str(v) for v in value]
