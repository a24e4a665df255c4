"""promoteFrom and promotesTo, validated at the boundary: bad input names the key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.stack_config import StackConfig, parse_config

FUNCTIONS = [{"name": "api", "command": ["api.handler"]}]


def parse(stack: str = "prod", region: str | None = None, **raw: Any) -> StackConfig:
    values = {"lambdaFunctions": FUNCTIONS, **raw}
    strings = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    return parse_config(strings, "container-delivery", stack, region)


def test_a_promoted_stage_names_its_build_stage_and_defaults_the_rest() -> None:
    config = parse(promoteFrom={"stack": "dev"})
    assert config.is_promoted
    assert config.promote_from is not None
    assert (config.promote_from.stack, config.promote_from.account) == ("dev", None)
    assert config.promote_from.region is None


def test_a_build_stage_lists_its_promoted_stages() -> None:
    config = parse(stack="dev", promotesTo=[{"stack": "prod", "account": "444455556666"}])
    assert not config.is_promoted
    assert [(t.stack, t.account) for t in config.promotes_to] == [("prod", "444455556666")]


def test_the_same_region_is_accepted() -> None:
    source = {"stack": "dev", "region": "ap-northeast-1"}
    config = parse(region="ap-northeast-1", promoteFrom=source)
    assert config.promote_from is not None
    assert config.promote_from.region == "ap-northeast-1"


def test_the_shipped_stack_files_are_a_build_stage_and_its_promoted_stage() -> None:
    from infra_pulumi.plan.runner import PROJECT_ROOT, stack_config

    def load(stack: str) -> StackConfig:
        raw = stack_config(stack, PROJECT_ROOT)
        values = {
            k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("container-delivery:")
        }
        return parse_config(values, "container-delivery", stack, raw.get("aws:region"))

    dev, prod = load("dev"), load("prod")
    assert [t.stack for t in dev.promotes_to] == ["prod"]
    assert prod.promote_from is not None
    assert prod.promote_from.stack == "dev"
    assert prod.is_promoted
    assert not dev.is_promoted


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"promoteFrom": {"account": "111122223333"}},
            r"container-delivery:promoteFrom\[stack\]: required, and missing",
        ),
        (
            {"promoteFrom": {"stack": "dev", "account": "1111"}},
            r"container-delivery:promoteFrom\[account\]: String should match pattern.*'1111'",
        ),
        (
            {"promoteFrom": {"stack": "dev", "account": 111122223333}},
            r"container-delivery:promoteFrom\[account\]: Input should be a valid string",
        ),
        (
            {"promoteFrom": {"stack": "dev", "region": "Tokyo"}},
            r"container-delivery:promoteFrom\[region\]: String should match pattern",
        ),
        (
            {"promoteFrom": {"stack": "dev", "acount": "111122223333"}},
            r"container-delivery:promoteFrom\[acount\]: not a key here; did you mean account\?",
        ),
        (
            {"promoteFrom": {"stack": "prod"}},
            r"promoteFrom names this stack \('prod'\)",
        ),
        (
            {"promoteFrom": {"stack": "Dev_1"}},
            r"promoteFrom names stack 'Dev_1', whose physical prefix 'container-delivery-Dev_1'",
        ),
        (
            {"promoteFrom": {"stack": "dev"}, "promotesTo": [{"stack": "qa"}]},
            r"set either promoteFrom .* or promotesTo .*, not both",
        ),
        (
            {"promotesTo": [{"stack": "prod"}]},
            r"promotesTo names this stack \('prod'\)",
        ),
        (
            {"promotesTo": [{"stack": "qa"}, {"stack": "qa", "account": "444455556666"}]},
            r"promotesTo names a stack twice",
        ),
        (
            {"promotesTo": [{"account": "444455556666"}]},
            r"container-delivery:promotesTo\[0\]\[stack\]: required, and missing",
        ),
        (
            {"promotesTo": {"stack": "qa"}},
            r"container-delivery:promotesTo: Input should be a valid (list|tuple)",
        ),
        (
            {"promoteFrom": '"dev"'},
            r"container-delivery:promoteFrom: should be a mapping with keys stack, account, "
            r"region \(got 'dev'\)$",
        ),
        (
            {"promoteFrom": {"stak": "dev"}},
            r"container-delivery:promoteFrom\[stak\]: not a key here; did you mean stack\?",
        ),
        (
            {"promoteFrom": {"stack": "dev", "acount": "111122223333", "regin": "x"}},
            r"promoteFrom\[regin\]: not a key here; did you mean region\?",
        ),
        ({"promotesFrom": {"stack": "dev"}}, r"promotesFrom: not a config key.*promoteFrom"),
    ],
)
def test_bad_promotion_config_names_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(**raw)


def test_another_region_is_refused_with_the_reason() -> None:
    with pytest.raises(
        ConfigError,
        match=r"promoteFrom.region is 'us-east-1' but this stack's "
        r"aws:region is 'ap-northeast-1': Lambda pulls a container image only",
    ):
        parse(region="ap-northeast-1", promoteFrom={"stack": "dev", "region": "us-east-1"})


def test_a_promoted_stage_names_its_digest_parameters_and_promote_pipeline() -> None:
    names = {n.name for n in parse(promoteFrom={"stack": "dev"}).physical_names}
    assert "/container-delivery/prod/images/lambda/digest" in names
    assert "/container-delivery/prod/images/web/digest" in names
    assert "container-delivery-prod-promotion-reader" not in names


def test_a_build_stage_names_its_reader_role() -> None:
    names = {n.name for n in parse(stack="dev", promotesTo=[{"stack": "prod"}]).physical_names}
    assert "container-delivery-dev-promotion-reader" in names
    assert "/container-delivery/dev/images/lambda/digest" not in names
