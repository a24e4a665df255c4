"""The three tag-lookup modes: deploy-time parameter, synth-time read with fallback, lookup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Match, Template
from botocore.stub import Stubber
from moto import mock_aws

from cdk_parity.__main__ import main
from cdk_parity.exceptions import InvalidTagError, TagLookupError, UnknownTagModeError
from cdk_parity.reference.synth import Synthesis, read_assembly, synthesize
from cdk_parity.reference.tag_lookup import (
    TagLookupOptions,
    TagMode,
    lookup_context_key,
    read_tag_at_synth,
    resolve_tag,
)

PARAMETER = "/container-delivery/dev/images/lambda/tag"
REGION = "ap-northeast-1"
ACCOUNT = "123456789012"


def _stubbed_client(error_code: str) -> Any:
    client = boto3.client("ssm", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_client_error("get_parameter", service_error_code=error_code, http_status_code=400)
    stubber.activate()
    return client


# --- deploy-time -------------------------------------------------------------------


def test_deploy_time_emits_ssm_typed_template_parameters(dev_template: Template) -> None:
    for image in ("lambda", "web"):
        found = dev_template.find_parameters(
            "*",
            {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": f"/container-delivery/dev/images/{image}/tag",
            },
        )
        assert len(found) == 1, f"no deploy-time parameter for {image}: {found}"


def test_unknown_mode_names_the_choices() -> None:
    with pytest.raises(UnknownTagModeError, match="deploy-time, synth-time, lookup"):
        TagMode.parse("runtime")


# --- synth-time: the talk's workaround, against moto -------------------------------


@pytest.mark.usefixtures("aws_credentials")
def test_synth_time_falls_back_to_initial_when_the_parameter_is_absent() -> None:
    with mock_aws():
        options = TagLookupOptions(mode=TagMode.SYNTH_TIME)
        assert read_tag_at_synth(PARAMETER, REGION, options) == ("initial", "placeholder")


@pytest.mark.usefixtures("aws_credentials")
def test_synth_time_reads_the_released_tag() -> None:
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=PARAMETER, Value="abc1234", Type="String"
        )
        options = TagLookupOptions(mode=TagMode.SYNTH_TIME)
        assert read_tag_at_synth(PARAMETER, REGION, options) == ("abc1234", "released")


@pytest.mark.usefixtures("aws_credentials")
def test_synth_time_rejects_a_value_that_is_not_a_tag() -> None:
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=PARAMETER, Value="latest", Type="String"
        )
        with pytest.raises(InvalidTagError, match="latest"):
            read_tag_at_synth(PARAMETER, REGION, TagLookupOptions(mode=TagMode.SYNTH_TIME))


@pytest.mark.usefixtures("aws_credentials")
def test_synth_time_access_denied_fails_instead_of_falling_back() -> None:
    options = TagLookupOptions(
        mode=TagMode.SYNTH_TIME,
        ssm_client_factory=lambda _region: _stubbed_client("AccessDeniedException"),
    )
    with pytest.raises(TagLookupError, match=PARAMETER) as caught:
        read_tag_at_synth(PARAMETER, REGION, options)
    cause = caught.value.__cause__
    assert cause is not None
    assert cause.response["Error"]["Code"] == "AccessDeniedException"  # type: ignore[attr-defined]


@pytest.mark.usefixtures("aws_credentials")
def test_synth_time_not_found_from_a_stub_falls_back() -> None:
    options = TagLookupOptions(
        mode=TagMode.SYNTH_TIME,
        ssm_client_factory=lambda _region: _stubbed_client("ParameterNotFound"),
    )
    assert read_tag_at_synth(PARAMETER, REGION, options) == ("initial", "placeholder")


def test_synth_time_without_credentials_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(TagLookupError, match="--offline"):
        read_tag_at_synth(PARAMETER, REGION, TagLookupOptions(mode=TagMode.SYNTH_TIME))


def test_synth_time_offline_never_builds_a_client() -> None:
    def no_client(region: str) -> Any:
        raise AssertionError(f"offline synth built an SSM client for {region}")

    options = TagLookupOptions(mode=TagMode.SYNTH_TIME, offline=True, ssm_client_factory=no_client)
    assert read_tag_at_synth(PARAMETER, REGION, options) == ("initial", "placeholder")


def test_cli_synth_time_without_offline_or_credentials_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["synth", "--mode", "synth-time", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "could not read image-tag parameter /container-delivery/dev/images/" in (
        capsys.readouterr().err
    )


@pytest.mark.usefixtures("aws_credentials")
def test_synth_time_synthesis_pins_functions_to_the_released_tag(tmp_path: Path) -> None:
    with mock_aws():
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name=PARAMETER, Value="abc1234", Type="String")
        result = synthesize("dev", "synth-time", tmp_path)
    assert result.image_tags["lambda"].tag == "abc1234"
    assert result.image_tags["web"].tag == "initial"  # absent: the fallback
    template = Template.from_json(result.template)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "container-delivery-dev-api",
            "Code": {"ImageUri": {"Fn::Join": ["", Match.array_with([":abc1234"])]}},
        },
    )
    assert not template.find_parameters("*", {"Default": Match.string_like_regexp("/images/")})


# --- lookup: CDK's value_from_lookup, without the CLI ------------------------------


def test_lookup_offline_returns_the_default_and_records_missing_context(
    lookup_synthesis: Synthesis,
) -> None:
    keys = {
        lookup_context_key(f"/container-delivery/dev/images/{i}/tag", ACCOUNT, REGION)
        for i in ("lambda", "web")
    }
    assert keys <= set(lookup_synthesis.missing_context)
    assert {i: (t.tag, t.source) for i, t in lookup_synthesis.image_tags.items()} == {
        "lambda": ("initial", "lookup-default"),
        "web": ("initial", "lookup-default"),
    }
    Template.from_json(lookup_synthesis.template).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "container-delivery-dev-api",
            "Code": {"ImageUri": {"Fn::Join": ["", Match.array_with([":initial"])]}},
        },
    )


def test_lookup_offline_records_the_lookup_in_the_assembly(
    lookup_synthesis: Synthesis, lookup_outdir: Path
) -> None:
    manifest = json.loads((lookup_outdir / "manifest.json").read_text())
    missing = {m["key"]: m for m in manifest["missing"]}
    entry = missing[lookup_context_key(PARAMETER, ACCOUNT, REGION)]
    assert entry["provider"] == "ssm"
    assert entry["props"]["dummyValue"] == "initial"
    assert (lookup_outdir / f"{lookup_synthesis.stack_name}.template.json").is_file()


def test_lookup_uses_a_cached_context_value() -> None:
    app = App(context={lookup_context_key(PARAMETER, ACCOUNT, REGION): "abc1234"})
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region=REGION))
    resolved = resolve_tag(
        stack,
        "lambda",
        PARAMETER,
        region=REGION,
        account=ACCOUNT,
        options=TagLookupOptions(mode=TagMode.LOOKUP),
    )
    assert (resolved.tag, resolved.source) == ("abc1234", "context")
    _templates, missing = read_assembly(Path(app.synth().directory))
    assert missing == []


def test_lookup_rejects_a_cached_value_that_is_not_a_tag() -> None:
    app = App(context={lookup_context_key(PARAMETER, ACCOUNT, REGION): "latest"})
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region=REGION))
    with pytest.raises(InvalidTagError, match="latest"):
        resolve_tag(
            stack,
            "lambda",
            PARAMETER,
            region=REGION,
            account=ACCOUNT,
            options=TagLookupOptions(mode=TagMode.LOOKUP),
        )
