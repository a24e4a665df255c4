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


def test_base_is_the_lambda_python_image_pinned_to_a_dated_tag():
    (base,) = instructions("FROM")

    assert re.fullmatch(r"public\.ecr\.aws/lambda/python:3\.1[12]\.\d{4}\.\d\d\.\d\d\.\d\d", base)


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
