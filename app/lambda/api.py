"""Request-style Lambda handler behind a Function URL or API Gateway.

Understands the HTTP API / Function URL payload (format 2.0) and the REST API
payload (format 1.0). Every response carries the running image tag in the
``x-app-version`` header, so a caller can see which release answered. Bad input of any
shape is a JSON 4xx naming what was wrong, never an unhandled Python error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import untrusted
from buildinfo import image_tag

Response = dict[str, Any]

# Like the web app: a request to these routes is a few KiB of JSON at most.
MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = untrusted.MAX_DEPTH


class BadRequestError(ValueError):
    """The event cannot be a request to this API; ``message`` says why (a 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request the routes need, whatever the payload format."""

    method: str
    path: str
    body: bytes


def _text(value: object, name: str, default: str) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise BadRequestError(f"the event's {name} must be a string")
    return value


def parse_request(event: object) -> Request:
    """Normalise a format 2.0 or format 1.0 proxy event.

    Raises:
        BadRequestError: the event is not an object, a field has the wrong type, or the
            body is not valid base64.
    """
    if not isinstance(event, Mapping):
        raise BadRequestError("the event must be a JSON object")
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, Mapping) else None
    if isinstance(http, Mapping):  # format 2.0: Function URL, HTTP API
        method = _text(http.get("method"), "method", "GET")
        path = _text(event.get("rawPath") or http.get("path"), "path", "/")
    else:  # format 1.0: REST API
        method = _text(event.get("httpMethod"), "method", "GET")
        path = _text(event.get("path"), "path", "/")
    raw = _text(event.get("body"), "body", "")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequestError("body is not valid base64") from None
    else:
        body = raw.encode("utf-8", errors="surrogatepass")
    return Request(method=method.upper(), path=path, body=body)


def json_response(status: int, data: object, headers: Mapping[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {
            "content-type": "application/json",
            "x-app-version": image_tag(),
            **(headers or {}),
        },
        "body": untrusted.dumps(data),
        "isBase64Encoded": False,
    }


def _health(request: Request) -> Response:
    return json_response(200, {"status": "ok"})


def _version(request: Request) -> Response:
    return json_response(200, {"version": image_tag()})


def _echo(request: Request) -> Response:
    if len(request.body) > MAX_BODY_BYTES:
        return json_response(413, {"error": f"body is larger than {MAX_BODY_BYTES} bytes"})
    try:
        data = untrusted.loads(request.body or b"null")
    except untrusted.TooDeepError as exc:
        return json_response(400, {"error": f"body {exc}"})
    except untrusted.InvalidJSONError:
        return json_response(400, {"error": "body must be JSON"})
    return json_response(200, {"echo": data, "version": image_tag()})


ROUTES: dict[str, dict[str, Callable[[Request], Response]]] = {
    "/health": {"GET": _health},
    "/version": {"GET": _version},
    "/echo": {"POST": _echo},
}


def handler(event: object, context: object) -> Response:
    """Lambda entry point (image command ``api.handler``)."""
    try:
        request = parse_request(event)
    except BadRequestError as exc:
        return json_response(400, {"error": exc.message})
    path, method = untrusted.clip(request.path), untrusted.clip(request.method)
    methods = ROUTES.get(request.path.rstrip("/") or "/")
    if methods is None:
        return json_response(404, {"error": f"no route for {path}"})
    route = methods.get(request.method)
    if route is None:
        allowed = ", ".join(sorted(methods))
        return json_response(405, {"error": f"{method} not allowed on {path}"}, {"allow": allowed})
    return route(request)
