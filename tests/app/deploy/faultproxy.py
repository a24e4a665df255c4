"""An HTTP proxy on 127.0.0.1 that forwards to a moto server and fails chosen requests.

End-to-end tests run the real CLI in a subprocess, so faults cannot be patched into
its clients. Instead its ``AWS_ENDPOINT_URL`` points here, and a ``Rule`` answers a
matching request with an AWS-style error (the ``x-amzn-ErrorType`` header and a
``__type`` body, which botocore reads for both the rest-json and the json protocols).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Match = Callable[[str, str, dict[str, str], bytes], bool]
"""Called with method, path, headers (lower-case names) and body."""


@dataclass
class Rule:
    """Answer matching requests with ``status`` and AWS error ``code``, ``times`` times."""

    match: Match
    status: int
    code: str
    times: int | None = None
    hits: int = 0

    def take(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if not self.match(method, path, headers, body):
            return False
        self.hits += 1
        return True


def lambda_update(function_name: str, image_uri_contains: str = "") -> Match:
    """Matches UpdateFunctionCode for one function (and optionally one image)."""

    def match(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        return (
            method == "PUT"
            and path == f"/2015-03-31/functions/{function_name}/code"
            and image_uri_contains in body.decode()
        )

    return match


def ssm_put_parameter(value: str) -> Match:
    """Matches PutParameter writing ``value``."""

    def match(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        return (
            headers.get("x-amz-target") == "AmazonSSM.PutParameter"
            and json.loads(body or b"{}").get("Value") == value
        )

    return match


class FaultProxy:
    """Forward everything to ``upstream`` except what a rule claims."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def _claim(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.take(method, path, headers, body):
                    return rule
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                rule = proxy._claim(self.command, self.path.split("?")[0], headers, body)
                if rule is not None:
                    payload = json.dumps(
                        {"__type": rule.code, "Type": "User", "message": "injected fault"}
                    ).encode()
                    self._reply(
                        rule.status,
                        [("x-amzn-ErrorType", rule.code), ("Content-Type", "application/json")],
                        payload,
                    )
                    return
                upstream = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=60
                )
                try:
                    upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
                    response = upstream.getresponse()
                    data = response.read()
                    passed = [
                        (k, v)
                        for k, v in response.getheaders()
                        if k.lower() not in {"content-length", "transfer-encoding", "connection"}
                    ]
                    self._reply(response.status, passed, data)
                finally:
                    upstream.close()

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            # http.server's names for the per-method handlers.
            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle  # noqa: N815

        return Handler
