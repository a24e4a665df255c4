"""The Lambda image is linted and checked against the code, never built here (no Docker)."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

from .conftest import LAMBDA_ROOT

DOCKERFILE = LAMBDA_ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(keyword: str) -> list[str]:
    return [
        line.split(maxsplit=1)[1]
        for line in DOCKERFILE.read_text().splitlines()
        if line.startswith(keyword + " ")
    ]


def test_hadolint_passes():
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_base_is_the_lambda_python_image_pinned_by_digest():
    (base,) = instructions("FROM")

    assert re.fullmatch(r"public\.ecr\.aws/lambda/python:3\.12@sha256:[0-9a-f]{64}", base)


def test_base_is_the_placeholders_so_a_release_shares_its_layers():
    placeholder = LAMBDA_ROOT.parents[1] / "docker" / "initial_lambda" / "Dockerfile"
    (base,) = instructions("FROM")

    assert f"FROM {base}\n" in placeholder.read_text()


def test_every_module_is_copied_into_the_image():
    (copy,) = instructions("COPY")
    *sources, destination = copy.split()

    assert destination == "${LAMBDA_TASK_ROOT}/"
    assert sorted(sources) == sorted(p.name for p in LAMBDA_ROOT.glob("*.py"))


def test_image_tag_build_arg_becomes_the_environment_the_handlers_read():
    assert instructions("ARG") == ["IMAGE_TAG=dev"]
    assert instructions("ENV") == ["IMAGE_TAG=${IMAGE_TAG}"]


def test_default_command_names_a_real_handler():
    (cmd,) = instructions("CMD")
    (handler,) = json.loads(cmd)
    module_name, function_name = handler.split(".")

    assert callable(getattr(importlib.import_module(module_name), function_name))
