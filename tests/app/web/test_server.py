"""The image's command for real: gunicorn serving the package from where the Dockerfile puts it.

The files are laid out as the Dockerfile's COPY instructions place them (package ``web``
under /srv), and gunicorn runs with the Dockerfile's CMD (so with app/web/gunicorn_conf.py),
on loopback instead of every interface. Then the image's HEALTHCHECK command runs against it.
"""

from __future__ import annotations

import contextlib
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


def get_json(url: str, timeout: float = 5) -> tuple[int, object]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL
        return response.status, json.loads(response.read())


@contextlib.contextmanager
def serve(root: Path, *overrides: str) -> Iterator[Served]:
    """Run the image's CMD from the image's layout under ``root``, plus CLI ``overrides``."""
    workdir = assemble_image_files(root)
    (cmd,) = [exec_form(i.args) for i in final_stage() if i.keyword == "CMD"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"PORT": str(port), "IMAGE_TAG": "e2e1234", "PATH": f"{BIN}{os.pathsep}{env['PATH']}"}
    process = subprocess.Popen(
        [str(BIN / cmd[0]), *cmd[1:], "--bind", f"127.0.0.1:{port}", *overrides],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group, so teardown ends the worker too, not only the arbiter.
        start_new_session=True,
    )
    served = Served(process, port, env)
    try:
        wait_until_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(tmp_path / "image") as server:
        yield server


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


# Issue 15, finding 1: a few stalled clients must not take the health check down with them.
# The old config served 8 connections at a time (gthread, 8 threads), each blocked without a
# timeout once a request had started; 8 stalled sockets made the 9th /healthz time out.
STALLED_HEADS = 12
STALLED_BODIES = 12


def stalled_head(port: int) -> socket.socket:
    """A client that sent a request line and then nothing: no headers, no blank line."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    return sock


def stalled_body(port: int) -> socket.socket:
    """A client that announced a 64-byte note and sent 10 bytes of it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /api/notes HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 64\r\n\r\n"
        b'{"title": '
    )
    return sock


def test_healthz_answers_while_clients_stall(served: Served) -> None:
    stalled: list[socket.socket] = []
    try:
        for _ in range(STALLED_HEADS):
            stalled.append(stalled_head(served.port))
        for _ in range(STALLED_BODIES):
            stalled.append(stalled_body(served.port))
        # A generous timeout: this is about being answered at all, not about speed.
        assert get_json(served.url("/healthz"), timeout=10) == (200, {"status": "ok"})
        assert get_json(served.url("/version"), timeout=10) == (200, {"version": "e2e1234"})
    finally:
        for sock in stalled:
            sock.close()
    # Once they give up, their half-sent requests leave nothing behind.
    status, body = get_json(served.url("/api/notes"))
    assert (status, body) == (200, {"notes": [], "next": None})


def test_a_stalled_request_head_is_dropped_after_keepalive(tmp_path: Path) -> None:
    # With keepalive at 75 s, as configured, this would take 75 s; 1 s shows the mechanism.
    with serve(tmp_path / "image", "--keep-alive", "1") as server:
        sock = stalled_head(server.port)
        with sock:
            sock.settimeout(10)
            assert sock.recv(1024) == b""  # closed by the server, nothing sent back
