"""The placeholder image: its handler's answer, its entrypoint, and a lint of its Dockerfile."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

CONTEXT = Path(__file__).resolve().parents[2] / "docker" / "initial_lambda"


@pytest.fixture
def placeholder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("placeholder", CONTEXT / "placeholder.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_handler_answers_no_release_yet(
    placeholder: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLACEHOLDER_REQUESTED_HANDLER", "api.handler")
    response = placeholder.handler({}, SimpleNamespace(function_name="p-s-api"))
    assert response["statusCode"] == 503
    assert response["headers"] == {"Content-Type": "application/json"}
    body = json.loads(response["body"])
    assert body["status"] == "no-release-yet"
    assert body["imageTag"] == "initial"
    assert body["function"] == "p-s-api"
    assert body["requestedHandler"] == "api.handler"
    assert "app pipeline" in body["message"]


def test_entrypoint_runs_the_placeholder_whatever_handler_is_named() -> None:
    script = (CONTEXT / "entrypoint.sh").read_text()
    assert script.startswith("#!/bin/sh")
    assert "exec /lambda-entrypoint.sh placeholder.handler" in script
    assert '"$@"' not in script  # the function's command must not reach the runtime
    dockerfile = (CONTEXT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/placeholder-entrypoint.sh"]' in dockerfile


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(CONTEXT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
