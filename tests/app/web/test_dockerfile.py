"""app/web/Dockerfile: hadolint, the multi-stage shape, and the contract with the infra stack."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from .dockerfile import CONTEXT, DOCKERFILE, exec_form, final_stage, instructions

REPO = CONTEXT.parents[1]


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            found[match[1].lower()] = match[2]
    return found


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_builder_stage_installs_and_runtime_stage_copies() -> None:
    froms = [ins.args for ins in instructions() if ins.keyword == "FROM"]
    assert froms == ["python:3.12-slim-bookworm AS builder", "python:3.12-slim-bookworm"]
    runtime = final_stage()
    assert "COPY --from=builder /opt/venv /opt/venv" in [f"COPY {i.args}" for i in runtime]
    # Nothing is installed in the runtime stage: only the builder runs pip.
    assert not [i for i in runtime if i.keyword == "RUN" and "pip" in i.args]


def test_runs_as_a_non_root_user() -> None:
    users = [ins.args for ins in final_stage() if ins.keyword == "USER"]
    assert users == ["10001:10001"]
    (create_user,) = [i.args for i in final_stage() if i.keyword == "RUN"]
    assert "--uid 10001" in create_user


def test_the_image_tag_is_baked_in_from_the_build_arg() -> None:
    runtime = [(i.keyword, i.args) for i in final_stage()]
    arg = runtime.index(("ARG", "IMAGE_TAG=dev"))
    env = runtime.index(("ENV", "IMAGE_TAG=${IMAGE_TAG}"))
    assert arg < env


def test_serves_the_package_with_gunicorn_on_port_8000() -> None:
    runtime = final_stage()
    assert [i.args for i in runtime if i.keyword == "EXPOSE"] == ["8000"]
    (cmd,) = [exec_form(i.args) for i in runtime if i.keyword == "CMD"]
    assert cmd == ["gunicorn", "--config", "web/gunicorn_conf.py", "web.wsgi:app"]
    assert [i.args for i in runtime if i.keyword == "WORKDIR"] == ["/srv"]


def test_every_runtime_file_of_the_package_is_copied() -> None:
    copied = {i.args.split()[0] for i in final_stage() if i.keyword == "COPY"}
    build_only = {"Dockerfile", "requirements.txt", ".dockerignore", "__pycache__"}
    for entry in sorted(CONTEXT.iterdir()):
        if entry.name in build_only:
            continue
        expected = "*.py" if entry.suffix == ".py" else f"{entry.name}/"
        assert expected in copied, f"{entry.name} is not copied into the image"


def test_image_requirements_are_fully_pinned_and_what_the_tests_run() -> None:
    lines = [
        line.strip()
        for line in (CONTEXT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    image = pins(CONTEXT / "requirements.txt")
    assert len(image) == len(lines), f"every requirement must be pinned with ==: {lines}"
    assert {"flask", "gunicorn"} <= set(image)
    assert "-r app/web/requirements.txt" in (REPO / "requirements-dev.txt").read_text()
    for name, pinned in image.items():
        assert version(name) == pinned, f"tests run {name} {version(name)}, the image {pinned}"
