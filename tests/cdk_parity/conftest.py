"""Fixtures for the CDK reference: each synth is slow (jsii), so templates are session-scoped."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App
from aws_cdk.assertions import Template
from filelock import FileLock

from cdk_parity.compare.run import Run, run
from cdk_parity.reference.config import load_stack_config
from cdk_parity.reference.stack import ContainerDeliveryStack
from cdk_parity.reference.synth import Synthesis, build_stack, offline_context, synthesize
from cdk_parity.reference.tag_lookup import TagLookupOptions, TagMode
from infra_pulumi.plan.runner import PROJECT_ROOT

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-1",
}


def build(
    stack: str,
    options: TagLookupOptions,
    context: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ContainerDeliveryStack:
    """The reference stack in a fresh app, with the offline synth's zone answers;
    ``overrides`` set stack config keys over the stack file's."""
    settings = load_stack_config(stack, overrides=overrides)
    app = App(context={**offline_context(settings), **(context or {})})
    return build_stack(app, settings, options)


def everything_on(stack: str) -> dict[str, Any]:
    """Config that gives ``stack`` every kind of role and bucket: prod's pipelines and GitHub
    preview role, and every access log (dev then also shows the unprotected lifecycle)."""
    root = Path(__file__).resolve().parents[2]
    prod = yaml.safe_load((root / "Pulumi.prod.yaml").read_text(encoding="utf-8"))["config"]
    return {
        "pipelines": prod["container-delivery:pipelines"],
        "githubPreview": prod["container-delivery:githubPreview"],
        "accessLogs": {"loadBalancer": True, "vpcFlowLogs": True, "artifactBucket": True},
    }


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, so nothing can reach a real account."""
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session")
def dev_stack() -> ContainerDeliveryStack:
    """The dev stack in the talk's original mode (deploy-time)."""
    return build("dev", TagLookupOptions(mode=TagMode.DEPLOY_TIME))


@pytest.fixture(scope="session")
def dev_template(dev_stack: ContainerDeliveryStack) -> Template:
    return Template.from_stack(dev_stack)


@pytest.fixture(scope="session")
def build_stage_template() -> Template:
    """dev, a build stage, with prod's pipelines and GitHub preview role (prod is a promoted
    stage: it has a promote pipeline instead of the app pipeline), synth-time offline."""
    on = everything_on("dev")
    overrides = {key: on[key] for key in ("pipelines", "githubPreview")}
    return Template.from_stack(
        build("dev", TagLookupOptions(mode=TagMode.SYNTH_TIME, offline=True), overrides=overrides)
    )


@pytest.fixture(scope="session")
def prod_stack() -> ContainerDeliveryStack:
    """The prod stack (pipelines, HTTPS, KMS, GitHub role), synth-time mode offline."""
    return build("prod", TagLookupOptions(mode=TagMode.SYNTH_TIME, offline=True))


@pytest.fixture(scope="session")
def prod_template(prod_stack: ContainerDeliveryStack) -> Template:
    return Template.from_stack(prod_stack)


@pytest.fixture(scope="session")
def dev_full_stack() -> ContainerDeliveryStack:
    """dev (protectData off) with pipelines, the GitHub role and every access log."""
    return build(
        "dev",
        TagLookupOptions(mode=TagMode.SYNTH_TIME, offline=True),
        overrides=everything_on("dev"),
    )


@pytest.fixture(scope="session")
def dev_full_template(dev_full_stack: ContainerDeliveryStack) -> Template:
    return Template.from_stack(dev_full_stack)


@pytest.fixture(scope="session")
def lookup_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def lookup_synthesis(lookup_outdir: Path) -> Synthesis:
    """The public API, lookup mode, without the CDK CLI: nothing answers the SSM lookup."""
    return synthesize("dev", "lookup", lookup_outdir)


@pytest.fixture(scope="session")
def parity_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Run:
    """One full comparison of both example stacks, as the command's default, with two warm
    timing runs per stack (the command makes five) and no memory runs (see test_measure).

    Six test files read it, and pytest-xdist puts them on different workers; it takes
    nine synths, so the first worker to need it computes it and the others read its pickle
    (pytest-xdist's documented recipe for a session fixture run once, with filelock).
    """

    def compute() -> Run:
        return run(["dev", "prod"], timing_runs=2, policy_pack=PROJECT_ROOT / "policy")

    if worker_id == "master":  # not under xdist
        return compute()
    shared = tmp_path_factory.getbasetemp().parent / "parity_run.pickle"
    with FileLock(f"{shared}.lock"):
        if shared.is_file():
            loaded: Run = pickle.loads(shared.read_bytes())  # noqa: S301 - this run wrote it
            return loaded
        computed = compute()
        shared.write_bytes(pickle.dumps(computed))
        return computed
