"""app/web/Dockerfile: hadolint, the multi-stage shape, and the contract with the infra stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .dockerfile import CONTEXT, DOCKERFILE, exec_form, final_stage, instructions


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_builder_stage_installs_and_runtime_stage_copies() -> None:
    froms = [ins.args for ins in instructions() if ins.keyword == "FROM"]
    builder, runtime_base = froms
    # Both stages on the same digest-pinned image (tests/docker/test_pins.py checks the pin).
    assert builder == f"{runtime_base} AS builder"
    assert runtime_base.startswith("python:3.12-slim-bookworm@sha256:")
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
    build_only = {
        "Dockerfile",
        "requirements.in",
        "requirements.txt",
        ".dockerignore",
        "__pycache__",
    }
    for entry in sorted(CONTEXT.iterdir()):
        if entry.name in build_only:
            continue
        expected = "*.py" if entry.suffix == ".py" else f"{entry.name}/"
        assert expected in copied, f"{entry.name} is not copied into the image"
