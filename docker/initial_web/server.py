"""Placeholder web server: passes the ECS and ALB health checks until the first web release.

Standard library only, so the image installs nothing. ``/healthz`` and ``/version``
answer like the real app; every other path gets a "no release yet" page.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from urllib.parse import urlsplit

PLACEHOLDER_TAG = "initial"
DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - the ALB reaches the task over the VPC
DEFAULT_PORT = 8000
# Each connection has a thread; one that sends nothing for this long is closed, so
# stalled clients cannot pile up (a real request arrives in milliseconds).
REQUEST_TIMEOUT_SECONDS = 10.0

NO_RELEASE_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>No release yet</title></head>
<body>
  <h1>No release yet</h1>
  <p>This service runs the placeholder image (tag <code>initial</code>).
  No web application release has been deployed to it yet:
  run the app pipeline to push and release a web image.</p>
</body>
</html>
"""


class PlaceholderHandler(BaseHTTPRequestHandler):
    """Health and version like the real app; 503 "no release yet" everywhere else.

    503 rather than 200 because nothing is served yet: uptime checks, caches and
    crawlers see an unavailable site, not a working one, exactly as callers of the
    Lambda placeholder do. The ALB only health-checks /healthz, so the 503 never
    takes the task out of service.
    """

    server_version = "initial-web"
    # StreamRequestHandler sets it on the socket: every read and write waits this long
    # at most, then the request is dropped ("Request timed out" in the log).
    timeout = REQUEST_TIMEOUT_SECONDS

    def version_string(self) -> str:
        # The default appends "Python/3.x.y": nothing a client needs, a hint for an attacker.
        return self.server_version

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        path = urlsplit(self.path).path
        headers = {"Cache-Control": "no-store"}
        if path == "/healthz":
            status, content_type = HTTPStatus.OK, "application/json"
            body = json.dumps({"status": "ok"}).encode()
        elif path == "/version":
            status, content_type = HTTPStatus.OK, "application/json"
            body = json.dumps({"version": PLACEHOLDER_TAG}).encode()
        else:
            status, content_type = HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8"
            body = NO_RELEASE_PAGE.encode()
            headers["Retry-After"] = "300"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def address_from_env(env: Mapping[str, str]) -> tuple[str, int]:
    """``HOST`` (default 0.0.0.0) and ``PORT`` (default 8000), validated."""
    raw_port = env.get("PORT") or str(DEFAULT_PORT)
    if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
        raise SystemExit(f"PORT must be a TCP port number (1-65535), got {raw_port!r}")
    return env.get("HOST") or DEFAULT_HOST, int(raw_port)


def make_server(
    host: str, port: int, *, timeout: float = REQUEST_TIMEOUT_SECONDS
) -> ThreadingHTTPServer:
    """Bind the placeholder; port 0 picks a free one (tests read ``server_address``)."""
    handler = type("PlaceholderHandler", (PlaceholderHandler,), {"timeout": timeout})
    return ThreadingHTTPServer((host, port), handler)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    """Serve until SIGTERM or SIGINT."""
    host, port = address_from_env(os.environ)
    # As PID 1 in a container, a process without a SIGTERM handler ignores SIGTERM,
    # and ECS would wait its whole stopTimeout before killing the task.
    signal.signal(signal.SIGTERM, _stop)
    with make_server(host, port) as server:
        print(f"placeholder web server on {host}:{port}", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


if __name__ == "__main__":
    main()
