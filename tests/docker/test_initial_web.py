"""The placeholder web image: its server over real HTTP, its entry point, and its Dockerfile."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

CONTEXT = Path(__file__).resolve().parents[2] / "docker" / "initial_web"
DOCKERFILE = CONTEXT / "Dockerfile"
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - what the container must bind


@pytest.fixture
def placeholder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("initial_web_server", CONTEXT / "server.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def base_url(placeholder: ModuleType) -> Iterator[str]:
    server = placeholder.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def healthcheck_command() -> list[str]:
    """The Dockerfile's HEALTHCHECK CMD (exec form, after its --options)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith("HEALTHCHECK ")]
    command = json.loads(line.partition(" CMD ")[2])
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def test_healthz_answers_ok(base_url: str) -> None:
    status, headers, body = fetch(f"{base_url}/healthz")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok"}


def test_version_is_initial(base_url: str) -> None:
    status, _, body = fetch(f"{base_url}/version?verbose=1")
    assert status == 200
    assert json.loads(body) == {"version": "initial"}


@pytest.mark.parametrize("path", ["/", "/api/notes", "/static/app.js"])
def test_every_other_path_says_no_release_yet(base_url: str, path: str) -> None:
    status, headers, body = fetch(base_url + path)
    assert status == 503
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Retry-After"] == "300"
    assert headers["Cache-Control"] == "no-store"
    page = body.decode()
    assert "<h1>No release yet</h1>" in page
    assert "app pipeline" in page
    assert int(headers["Content-Length"]) == len(body)


def test_the_server_header_is_neutral(base_url: str) -> None:
    # BaseHTTPRequestHandler's default adds "Python/3.x.y": a free hint for an attacker.
    for path in ["/healthz", "/"]:
        _, headers, _ = fetch(base_url + path)
        assert headers["Server"] == "initial-web", path


def test_a_stalled_request_is_dropped_after_the_timeout(placeholder: ModuleType) -> None:
    server = placeholder.make_server("127.0.0.1", 0, timeout=0.5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        stalled = []
        for _ in range(10):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # and nothing more
            stalled.append(sock)
        status, _, _ = fetch(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        for sock in stalled:
            with sock:
                sock.settimeout(10)
                assert sock.recv(1024) == b""  # closed without an answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_image_uses_the_default_timeout(placeholder: ModuleType) -> None:
    server = placeholder.make_server("127.0.0.1", 0)
    try:
        assert server.RequestHandlerClass.timeout == placeholder.REQUEST_TIMEOUT_SECONDS
        assert 0 < placeholder.REQUEST_TIMEOUT_SECONDS <= 30
    finally:
        server.server_close()


def test_head_sends_headers_without_a_body(base_url: str) -> None:
    status, headers, body = fetch(f"{base_url}/healthz", method="HEAD")
    assert status == 200
    assert int(headers["Content-Length"]) == len(b'{"status": "ok"}')
    assert body == b""


def test_address_defaults_to_every_interface_on_8000(placeholder: ModuleType) -> None:
    assert placeholder.address_from_env({}) == (EVERY_INTERFACE, 8000)
    assert placeholder.address_from_env({"PORT": "9000"}) == (EVERY_INTERFACE, 9000)
    assert placeholder.address_from_env({"HOST": "127.0.0.1", "PORT": ""}) == ("127.0.0.1", 8000)


@pytest.mark.parametrize("port", ["http", "0", "70000", "-5"])
def test_a_bad_port_stops_the_server(placeholder: ModuleType, port: str) -> None:
    with pytest.raises(SystemExit, match=r"PORT must be a TCP port number \(1-65535\)"):
        placeholder.address_from_env({"PORT": port})


def test_the_image_healthcheck_passes_against_the_server(base_url: str) -> None:
    env = os.environ | {"PORT": base_url.rsplit(":", 1)[1]}
    result = subprocess.run(
        healthcheck_command(), env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_script_serves_and_stops_on_sigterm() -> None:
    # The image's command, as a process: ECS stops a task with SIGTERM.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = os.environ | {"HOST": "127.0.0.1", "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, str(CONTEXT / "server.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()
            try:
                status, _, body = fetch(f"http://127.0.0.1:{port}/version")
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline, "the placeholder never answered"
                time.sleep(0.1)
        assert (status, json.loads(body)) == (200, {"version": "initial"})
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert f"placeholder web server on 127.0.0.1:{port}" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_dockerfile_is_minimal_non_root_and_pinned() -> None:
    text = DOCKERFILE.read_text()
    assert text.count("FROM ") == 1
    # The same base as the web app's image, digest and all (tests/docker/test_pins.py).
    (base,) = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert base.startswith("FROM python:3.12-slim-bookworm@sha256:")
    assert base + "\n" in (CONTEXT.parents[1] / "app" / "web" / "Dockerfile").read_text()
    assert "pip install" not in text  # standard library only
    assert "USER 10001:10001" in text
    assert "EXPOSE 8000" in text
    assert 'CMD ["python", "/srv/server.py"]' in text
    assert "COPY server.py /srv/server.py" in text


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
