"""An HTTP proxy on 127.0.0.1 that forwards to a moto server and fails chosen requests.

End-to-end tests run the real CLI in a subprocess, so faults cannot be patched into
its clients. Instead its ``AWS_ENDPOINT_URL`` points here, and:

* a ``Rule`` answers a matching request with an AWS-style error (the
  ``x-amzn-ErrorType`` header and a ``__type`` body, which botocore reads for both
  the rest-json and the json protocols), optionally after forwarding it, so the
  request takes effect and only its response is lost; or (``lost_answer``) forwards
  it and closes the connection without any answer, as a network does when the
  answer is lost on its way back: botocore raises ``ConnectionClosedError``;
* a ``Hold`` keeps matching requests waiting until the test opens it: that is how a
  test knows a process is at a chosen point (to signal it there, or to start a second
  process) without sleeping;
* an ``Intercept`` (``proxy.intercept``) answers requests moto cannot, in its place:
  the CodeDeploy double (codedeploy_double.py) drives deployments' lives this way.
  Rules and holds apply before it, so they can fail or hold those requests too.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Match = Callable[[str, str, dict[str, str], bytes], bool]
"""Called with method, path, headers (lower-case names) and body."""

Answer = tuple[int, list[tuple[str, str]], bytes]
"""An HTTP answer: status, headers and body."""

Intercept = Callable[[str, str, dict[str, str], bytes], Answer | None]
"""Called like a ``Match``; an answer replaces moto's, None forwards the request."""


@dataclass
class Rule:
    """Answer matching requests with ``status`` and AWS error ``code``, ``times`` times."""

    match: Match
    status: int
    code: str
    times: int | None = None
    hits: int = 0
    forward: bool = False
    """Forward the request first, then answer with the error: a lost response."""
    drop: bool = False
    """Forward the request, then close the connection without answering."""
    after: Callable[[], None] | None = None
    """Called once the request was forwarded, before its answer is replaced or dropped:
    a test waits there for what must have happened before the client hears back."""
    message: str = "injected fault"
    """The error's message: a test that checks what the tool makes of it copies AWS's."""

    def take(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if not self.match(method, path, headers, body):
            return False
        self.hits += 1
        return True


@dataclass
class Hold:
    """Keep the first ``times`` matching requests until ``open()``; later ones pass."""

    match: Match
    times: int = 1
    hits: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)

    def take(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        if self.hits >= self.times or not self.match(method, path, headers, body):
            return False
        self.hits += 1
        return True

    def wait_arrived(self, timeout: float = 60) -> None:
        """Block until a matching request is being held (a safety timeout, not a sleep)."""
        if not self.arrived.wait(timeout):
            raise AssertionError("no matching request reached the proxy")

    def open(self) -> None:
        self.opened.set()


def lost_answer(
    match: Match, times: int | None = None, after: Callable[[], None] | None = None
) -> Rule:
    """Forward matching requests and drop their answers (the connection closes)."""
    return Rule(match, 0, "", times=times, drop=True, after=after)


def any_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
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


def json_target(target: str, **fields: object) -> Match:
    """Matches a JSON-protocol call (SSM, ECR) by ``X-Amz-Target`` and body fields."""

    def match(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        if headers.get("x-amz-target") != target:
            return False
        document = json.loads(body or b"{}")
        return all(document.get(key) == value for key, value in fields.items())

    return match


def ssm(operation: str, **fields: object) -> Match:
    """Matches ``AmazonSSM.<operation>`` with the given body fields, e.g. ``Name``."""
    return json_target(f"AmazonSSM.{operation}", **fields)


def dynamodb(operation: str, key: str) -> Match:
    """Matches ``DynamoDB_20120810.<operation>`` on the item ``key`` (``Key`` or ``Item``'s
    ``lockKey``, the release lock's partition key)."""

    def match(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        if headers.get("x-amz-target") != f"DynamoDB_20120810.{operation}":
            return False
        document = json.loads(body or b"{}")
        item = document.get("Key") or document.get("Item") or {}
        return bool(item.get("lockKey") == {"S": key})

    return match


def ecr(operation: str, **fields: object) -> Match:
    """Matches an ECR call, e.g. ``ecr("DescribeImages")``."""
    return json_target(f"AmazonEC2ContainerRegistry_V20150921.{operation}", **fields)


class FaultProxy:
    """Forward everything to ``upstream`` except what a rule claims."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self.holds: list[Hold] = []
        self.intercept: Intercept | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A client killed mid-request (the SIGKILL tests) leaves a broken pipe: not news.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_holding()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def hold(self, match: Match, times: int = 1) -> Hold:
        hold = Hold(match, times)
        with self._lock:
            self.holds.append(hold)
        return hold

    def stop_holding(self) -> None:
        """Open every hold, so no request stays stuck after a test."""
        with self._lock:
            for hold in self.holds:
                hold.open()

    def _claim(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.take(method, path, headers, body):
                    return rule
        return None

    def _held(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Hold | None:
        with self._lock:
            for hold in self.holds:
                if hold.take(method, path, headers, body):
                    return hold
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
                path = self.path.split("?")[0]
                hold = proxy._held(self.command, path, headers, body)
                if hold is not None:
                    hold.arrived.set()
                    hold.opened.wait(120)
                rule = proxy._claim(self.command, path, headers, body)
                if rule is not None and (rule.forward or rule.drop):
                    self._forward(body)  # it takes effect upstream; the answer is lost
                    if rule.after is not None:
                        rule.after()
                if rule is not None and rule.drop:
                    self.close_connection = True  # no answer at all: the client sees EOF
                    return
                if rule is not None:
                    payload = json.dumps(
                        {"__type": rule.code, "Type": "User", "message": rule.message}
                    ).encode()
                    self._reply(
                        rule.status,
                        [("x-amzn-ErrorType", rule.code), ("Content-Type", "application/json")],
                        payload,
                    )
                    return
                status, passed, data = self._forward(body)
                self._reply(status, passed, data)

            def _forward(self, body: bytes) -> Answer:
                if proxy.intercept is not None:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    answer = proxy.intercept(self.command, self.path.split("?")[0], headers, body)
                    if answer is not None:
                        return answer
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
                    return response.status, passed, data
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
