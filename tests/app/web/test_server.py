"""The image's command for real: gunicorn serving the package from where the Dockerfile puts it.

The files are laid out as the Dockerfile's COPY instructions place them (package ``web``
under /srv), and gunicorn runs with the Dockerfile's CMD, on loopback instead of every
interface. Then the image's HEALTHCHECK command runs against it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .dockerfile import assemble_image_files, exec_form, final_stage, healthcheck_command

BIN = Path(sys.executable).parent
STARTUP_DEADLINE_SECONDS = 30


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    env: dict[str, str]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> tuple[int, object]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback URL
        return response.status, json.loads(response.read())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    workdir = assemble_image_files(tmp_path / "image")
    (cmd,) = [exec_form(i.args) for i in final_stage() if i.keyword == "CMD"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"PORT": str(port), "IMAGE_TAG": "e2e1234", "PATH": f"{BIN}{os.pathsep}{env['PATH']}"}
    process = subprocess.Popen(
        [str(BIN / cmd[0]), *cmd[1:], "--bind", f"127.0.0.1:{port}"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, port, env)
    try:
        wait_until_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def wait_until_healthy(served: Served) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            assert served.process.stdout is not None
            pytest.fail(f"gunicorn exited early:\n{served.process.stdout.read()}")
        try:
            get_json(served.url("/healthz"))
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"gunicorn did not answer /healthz within {STARTUP_DEADLINE_SECONDS}s")


def test_health_and_version_through_gunicorn(served: Served) -> None:
    assert get_json(served.url("/healthz")) == (200, {"status": "ok"})
    assert get_json(served.url("/version")) == (200, {"version": "e2e1234"})


def test_page_and_api_through_gunicorn(served: Served) -> None:
    with urllib.request.urlopen(served.url("/"), timeout=5) as response:  # noqa: S310
        assert response.status == 200
        assert "e2e1234" in response.read().decode()
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        served.url("/api/notes"),
        data=json.dumps({"title": "from gunicorn"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.status == 201
    status, body = get_json(served.url("/api/notes"))
    assert status == 200
    assert isinstance(body, dict)
    assert [note["title"] for note in body["notes"]] == ["from gunicorn"]


def test_the_image_healthcheck_passes_against_the_server(served: Served) -> None:
    command = healthcheck_command()
    result = subprocess.run(command, env=served.env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_image_healthcheck_fails_when_nothing_listens(served: Served) -> None:
    env = served.env | {"PORT": str(free_port())}
    result = subprocess.run(
        healthcheck_command(), env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "Connection refused" in result.stderr


def test_sigterm_stops_gunicorn_cleanly(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0
