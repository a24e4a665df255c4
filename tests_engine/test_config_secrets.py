"""Stack config under the real engine: nested values and a secret, from the stack file to
the program, the providers and the state file."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from infra_pulumi.plan.runner import stack_config
from tests_engine.engine import Workspace, calls

SECRET_KEY = "aws:secretKey"
SECRET_VALUE = "engine-tests-secret-value-7f3a"
SECRET_SIG = "4dabf18193072939515e22adb298388d"


@pytest.fixture(scope="module")
def configured(workspace: Workspace) -> Workspace:
    """dev, with a nested value changed and a secret set through the CLI, then deployed."""
    workspace.init_stack("dev")
    workspace.run(
        "config", "set", "--path", "container-delivery:lambdaFunctions[1].memoryMb", "384",
        "--stack", "dev",
    )  # fmt: skip
    workspace.run("config", "set", "--secret", SECRET_KEY, SECRET_VALUE, "--stack", "dev")
    workspace.run("up", "--yes", "--stack", "dev")
    return workspace


def _parsed(value: str) -> Any:
    """A config value as the program reads it: structured values arrive as JSON text."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def test_the_stack_file_keeps_the_secret_encrypted(configured: Workspace) -> None:
    stack_file = yaml.safe_load((configured.project / "Pulumi.dev.yaml").read_text())
    assert set(stack_file["config"][SECRET_KEY]) == {"secure"}
    assert SECRET_VALUE not in (configured.project / "Pulumi.dev.yaml").read_text()


def test_the_program_gets_the_config_the_offline_runner_gives_and_the_secret(
    configured: Workspace,
) -> None:
    run = calls(configured.record.entries(), "Run")[-1]
    offline = stack_config("dev", project_dir=configured.project)

    # Every value of the stack file, nested ones included, reaches the program as the
    # offline runner hands it over (structured values as JSON text).
    engine_plain = {k: v for k, v in run["config"].items() if k not in run["configSecretKeys"]}
    assert {k: _parsed(v) for k, v in engine_plain.items()} == {
        k: _parsed(v) for k, v in offline.items()
    }
    functions = _parsed(engine_plain["container-delivery:lambdaFunctions"])
    assert functions[1]["memoryMb"] == 384
    # The one difference: the engine decrypts the secret and says it is one; the offline
    # runner cannot decrypt, so it leaves secure values out.
    assert run["configSecretKeys"] == [SECRET_KEY]
    assert run["config"][SECRET_KEY] == "[secret]"
    assert SECRET_KEY not in offline


def test_a_nested_value_reaches_the_resource(configured: Workspace) -> None:
    creates = {c["urn"].rsplit("::", 1)[1]: c for c in calls(configured.record.entries(), "Create")}
    assert creates["api-function"]["news"]["memorySize"] == 384
    assert creates["nightly-report-function"]["news"]["memorySize"] == 512


def test_the_secret_reaches_the_provider_as_a_secret(configured: Workspace) -> None:
    configures = [
        c for c in calls(configured.record.entries(), "Configure") if c["provider"] == "aws"
    ]
    assert configures
    assert all(c["args"][SECRET_KEY.split(":")[1]] == "[secret]" for c in configures)


def test_the_state_file_holds_only_ciphertext(configured: Workspace) -> None:
    state_file = configured.state_file("dev")
    assert state_file.exists(), f"no checkpoint at {state_file}"
    assert SECRET_VALUE not in state_file.read_text(encoding="utf-8")
    providers = [
        r
        for r in configured.export("dev")["deployment"]["resources"]
        if r["type"] == "pulumi:providers:aws"
    ]
    assert providers
    for provider in providers:
        secret = provider["inputs"][SECRET_KEY.split(":")[1]]
        assert set(secret) == {SECRET_SIG, "ciphertext"}
