"""The offline runner: requests as the engine builds them, config as the engine reconciles it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import json_format

from infra_pulumi.plan.__main__ import main
from infra_pulumi.plan.policy_requests import (
    analyze_requests,
    analyze_stack_request,
    default_providers,
    supports_tags,
)
from infra_pulumi.plan.policy_run import PackSession, PolicyPackError, read_pack, session
from infra_pulumi.plan.runner import PROJECT_ROOT, Plan
from tests.policy.conftest import CONFIG, POLICY_DIR, PROJECT, ROOT, STACK, of, resource


def plan_of(*resources: object) -> Plan:
    return Plan(project=PROJECT, stack=STACK, resources=list(resources))  # type: ignore[arg-type]


def test_analyze_gets_camel_case_inputs_with_the_providers_tags() -> None:
    repository = resource(
        "aws:ecr/repository:Repository", "repo", {"name": "r", "imageTagMutability": "IMMUTABLE"}
    )
    providers = default_providers(PROJECT, STACK, CONFIG)
    (request,) = analyze_requests(plan_of(repository), providers)
    props = json_format.MessageToDict(request.properties)
    assert props["imageTagMutability"] == "IMMUTABLE"
    assert props["tagsAll"] == {"project": PROJECT, "stack": STACK}
    assert request.provider.type == "pulumi:providers:aws"
    assert request.provider.urn.startswith(
        f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_"
    )
    assert json_format.MessageToDict(request.provider.properties)["region"] == "eu-west-1"
    assert request.options.parent == ROOT


def test_the_stack_request_lists_the_root_stack_and_the_default_providers() -> None:
    repository = resource(
        "aws:ecr/repository:Repository", "repo", {"name": "r"}, {"arn": "arn:aws:ecr:x"}
    )
    request = analyze_stack_request(plan_of(repository), default_providers(PROJECT, STACK, CONFIG))
    types = [r.type for r in request.resources]
    assert types == [
        "pulumi:pulumi:Stack",
        "pulumi:providers:aws",
        "pulumi:providers:docker",
        repository.type,
    ]
    assert request.resources[0].urn == ROOT
    assert json_format.MessageToDict(request.resources[-1].properties)["arn"] == "arn:aws:ecr:x"


@pytest.mark.parametrize(
    ("typ", "taggable"),
    [
        ("aws:ecr/repository:Repository", True),
        ("aws:lambda/alias:Alias", False),
        ("aws:iam/rolePolicy:RolePolicy", False),
        ("docker:index/image:Image", False),
    ],
)
def test_tags_follow_the_provider_schema(typ: str, taggable: bool) -> None:
    assert supports_tags(typ) is taggable


def test_a_release_is_read_from_the_stack_config_as_the_engine_passes_it() -> None:
    """requireRelease reaches the pack in PULUMI_CONFIG, as the engine's constructEnv sets it."""
    listener = resource(
        "aws:lb/listener:Listener",
        "http",
        {"protocol": "HTTP", "port": 80, "defaultActions": [{"type": "forward"}]},
    )
    config = {**CONFIG, f"{PROJECT}:requireRelease": "true"}
    with session(POLICY_DIR, PROJECT, STACK, config) as pack:
        pack.configure({})
        assert of(pack.analyze(plan_of(listener), config).violations, "https-listeners")
        pack.configure({"https-listeners": {"releaseConfigKey": "other:flag"}})
        assert not of(pack.analyze(plan_of(listener), config).violations, "https-listeners")


def test_levels_come_from_config_like_the_engines(pack: PackSession) -> None:
    url = resource("aws:lambda/functionUrl:FunctionUrl", "url", {"authorizationType": "NONE"})
    pack.configure({"function-url-auth": "mandatory"})
    assert [
        v.enforcement
        for v in of(pack.analyze(plan_of(url), CONFIG).violations, "function-url-auth")
    ] == ["mandatory"]
    pack.configure({"all": "disabled"})
    assert pack.analyze(plan_of(url), CONFIG).violations == []
    assert set(pack.settings["image-pinned"]["properties"]) == {"forbiddenTags"}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"no-such-rule": "mandatory"}, "names no-such-rule, not in the pack"),
        (
            {"log-group-retention": {"minimumRetentionDays": "ninety"}},
            "minimumRetentionDays: 'ninety' is not of type 'integer'",
        ),
        (
            {"log-group-retention": {"minimumRetentionDay": 90}},
            "Additional properties are not allowed",
        ),
        ({"image-pinned": "sometimes"}, "enforcement level 'sometimes'"),
    ],
)
def test_a_bad_policy_config_is_refused_by_name(
    pack: PackSession, config: dict[str, object], message: str
) -> None:
    with pytest.raises(PolicyPackError, match=message):
        pack.configure(config)


def test_the_pack_is_declared_as_pulumi_runs_python_packs() -> None:
    project = read_pack(POLICY_DIR)
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": "venv"},
    }
    pins = dict(
        line.split("==")
        for line in (POLICY_DIR / "requirements.txt").read_text().splitlines()
        if "==" in line
    )
    root = (PROJECT_ROOT / "requirements.txt").read_text()
    assert f"pulumi=={pins['pulumi']}" in root.splitlines(), (
        "the pack runs on the program's Pulumi SDK"
    )
    assert "pulumi-policy" in pins


def test_cli_errors_name_the_pack_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--stack", "dev", "--json", "-", "--policy-pack", str(tmp_path)]) == 2
    assert "no PulumiPolicy.yaml" in capsys.readouterr().err
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"log-group-retention": {"minimumRetentionDays": 30}}))
    assert (
        main(
            [
                "--stack",
                "dev",
                "--json",
                "-",
                "--policy-pack",
                "policy",
                "--policy-pack-config",
                str(config),
            ]
        )
        == 3
    )
    assert "below the floor of 30" in capsys.readouterr().out


def test_the_readme_table_lists_every_rule_with_its_level(pack: PackSession) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Guardrails", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip()
        for line in section.splitlines()
        if line.startswith("| `")
    }
    pack.configure({})
    levels = {name: value["enforcementLevel"] for name, value in pack.settings.items()}
    assert set(rows) == set(levels)
    for name, level in levels.items():
        assert rows[name].startswith(level), f"README says {rows[name]!r} for {name}"
