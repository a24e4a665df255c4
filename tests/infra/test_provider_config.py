"""The stack's ``aws:`` keys: only keys pulumi-aws reads, and default tags AWS accepts on
every resource the stack tags (checked by the program, the offline plan and the CDK
reference alike)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_parity.reference.config import load_stack_config
from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan import evaluate
from infra_pulumi.provider_config import check_default_tags, check_provider_keys, provider_keys
from tests.infra.project_copy import copy_project, edit_config, link_program


def test_the_keys_are_the_pinned_providers_own() -> None:
    keys = provider_keys()
    assert {"region", "defaultTags", "allowedAccountIds", "skipRequestingAccountId"} <= set(keys)
    assert "regin" not in keys


def test_an_unknown_provider_key_is_refused_with_the_closest_one() -> None:
    check_provider_keys(["region", "defaultTags"])
    with pytest.raises(ConfigError) as refused:
        check_provider_keys(["regin", "allowedAccountId"])
    assert str(refused.value) == (
        "invalid stack config (2 problems):\n"
        "  aws:allowedAccountId: not a config key of the AWS provider; did you mean "
        "allowedAccountIds?\n"
        "  aws:regin: not a config key of the AWS provider; did you mean region?"
    )


def default_tags(**tags: str) -> str:
    return json.dumps({"tags": {"project": "container-delivery", "stack": "dev", **tags}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            json.dumps({"tags": {f"k{i}": "v" for i in range(50)}}),
            r"aws:defaultTags: 50 tags; at most 49 fit beside the 1 the program adds",
        ),
        (default_tags(**{"k" * 129: "v"}), r"key 'kkkk.*is 129 characters; 1 to 128"),
        (default_tags(team="v" * 257), r"value of 'team' is 257 characters; at most 256"),
        (default_tags(**{"AWS:owner": "me"}), r"key 'AWS:owner' starts with aws:"),
        (default_tags(owner="aws:me"), r"value 'aws:me' starts with aws:"),
        (default_tags(owner="me&you"), r"value 'me&you' has '&'; tags allow letters, digits"),
        (json.dumps({"tags": ["project"]}), r"tags must map names to strings"),
        (json.dumps({"tag": {"a": "b"}}), r"should be a mapping with the key tags"),
        ("{not json", r"aws:defaultTags: not valid structured config"),
    ],
)
def test_default_tags_aws_would_refuse_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_default_tags(text)


def test_default_tags_at_the_limits_are_accepted() -> None:
    check_default_tags(json.dumps({"tags": {f"k{i}": "v" for i in range(49)}}))
    check_default_tags(default_tags(**{"k" * 128: "v" * 256, "cost-centre": "a b+c=d.e_f:g/h@i"}))
    check_default_tags(None)


def test_the_program_and_the_cdk_reference_refuse_them_from_the_stack_file(
    tmp_path: Path,
) -> None:
    link_program(copy_project(tmp_path))
    edit_config(tmp_path, "dev", lambda c: c["aws:defaultTags"]["tags"].update({"aws:team": "x"}))
    message = r"aws:defaultTags: key 'aws:team' starts with aws:"
    with pytest.raises(ConfigError, match=message):
        evaluate("dev", project_dir=tmp_path)
    with pytest.raises(ConfigError, match=message):
        load_stack_config("dev", project_dir=tmp_path)
